// @ts-check
/**
 * Writes container logs in the CRI format the kubelet reads (containerd's `cri/pkg/io/logger.go`):
 * one record per line, `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>`, where `P` marks a
 * piece of a line longer than the maximum record size and `F` ends a line. One file per container
 * run (`<restartCount>.log`), and a `<restartCount>.done` sidecar once that run has exited, so a
 * follower knows when to stop. The reader is pod-logs.ts.
 *
 * Plain JavaScript (checked by tsc through JSDoc): the pod launcher, a process that must stay small
 * and start without a TypeScript loader, writes the logs (src/activities/launcher/).
 */
import { Buffer } from 'node:buffer';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** @typedef {'stdout' | 'stderr'} LogStream */

/** containerd's default `max_container_log_line_size`: longer lines are split into `P` records. */
export const MAX_LOG_RECORD_BYTES = 16 * 1024;

/**
 * RFC3339Nano as Go formats it (trailing zeros of the fraction dropped), microsecond resolution.
 * @param {number} epochMs
 * @returns {string}
 */
export function rfc3339Nano(epochMs) {
  const wholeMs = Math.floor(epochMs);
  const iso = new Date(wholeMs).toISOString(); // 2024-01-02T03:04:05.678Z
  const micros = Math.floor((epochMs - wholeMs) * 1000);
  const fraction = (iso.slice(20, 23) + String(micros).padStart(3, '0') + '000').replace(/0+$/, '');
  return iso.slice(0, 19) + (fraction ? '.' + fraction : '') + 'Z';
}

function preciseNow() {
  return performance.timeOrigin + performance.now();
}

const NEWLINE = 0x0a;

/**
 * Writes one container run's output as CRI records. Writes are synchronous so that the file is
 * complete the moment the process's streams end (the log tail is read from it right after). The
 * constructor creates the log's directory and opens the file, and throws when it cannot.
 */
export class ContainerLogWriter {
  /** @type {number} */
  #fd;
  /** @type {Record<LogStream, Buffer>} */
  #pending = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  #closed = false;
  /** @type {Buffer[]} */
  #batch = [];
  /** @type {() => number} */
  #now;

  /**
   * The first I/O error; output after it is dropped rather than crashing the writer's process.
   * @type {Error | null}
   */
  error = null;

  /**
   * @param {string} file  the run's log, `<restartCount>.log`
   * @param {string} doneFile  its sidecar, written by close()
   * @param {() => number} [now]  epoch ms of a record (tests pin it)
   */
  constructor(file, doneFile, now = preciseNow) {
    this.file = file;
    this.doneFile = doneFile;
    this.#now = now;
    mkdirSync(path.dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a');
  }

  /**
   * @param {LogStream} stream
   * @param {Buffer} chunk
   */
  write(stream, chunk) {
    if (this.#closed || this.error) return;
    this.#batch = [];
    let data = this.#pending[stream].length > 0 ? Buffer.concat([this.#pending[stream], chunk]) : chunk;
    for (;;) {
      const nl = data.indexOf(NEWLINE);
      if (nl < 0) break;
      this.#emitLine(stream, data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    while (data.length >= MAX_LOG_RECORD_BYTES) {
      this.#record(stream, 'P', data.subarray(0, MAX_LOG_RECORD_BYTES));
      data = data.subarray(MAX_LOG_RECORD_BYTES);
    }
    this.#pending[stream] = Buffer.from(data);
    this.#flushBatch();
  }

  /** Flushes unterminated output as a final `F` record and marks the run finished. */
  close() {
    if (this.#closed) return;
    this.#batch = [];
    for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
      if (this.#pending[stream].length > 0) this.#record(stream, 'F', this.#pending[stream]);
      this.#pending[stream] = Buffer.alloc(0);
    }
    if (!this.error) this.#flushBatch();
    this.#closed = true;
    try {
      closeSync(this.#fd);
      writeFileSync(this.doneFile, rfc3339Nano(this.#now()) + '\n');
    } catch (err) {
      this.error ??= /** @type {Error} */ (err);
    }
  }

  /**
   * @param {LogStream} stream
   * @param {Buffer} line
   */
  #emitLine(stream, line) {
    while (line.length > MAX_LOG_RECORD_BYTES) {
      this.#record(stream, 'P', line.subarray(0, MAX_LOG_RECORD_BYTES));
      line = line.subarray(MAX_LOG_RECORD_BYTES);
    }
    this.#record(stream, 'F', line);
  }

  /**
   * @param {LogStream} stream
   * @param {'F' | 'P'} tag
   * @param {Buffer} content
   */
  #record(stream, tag, content) {
    this.#batch.push(Buffer.from(`${rfc3339Nano(this.#now())} ${stream} ${tag} `), content, Buffer.from('\n'));
  }

  /** One write per chunk of output (readers only ever consume up to the last complete record). */
  #flushBatch() {
    if (this.#batch.length === 0) return;
    const data = Buffer.concat(this.#batch);
    this.#batch = [];
    try {
      let written = 0;
      while (written < data.length) written += writeSync(this.#fd, data, written);
    } catch (err) {
      this.error = /** @type {Error} */ (err);
    }
  }
}
