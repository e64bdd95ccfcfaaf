/**
 * Container logs in the CRI format the kubelet reads (containerd's `cri/pkg/io/logger.go`): one
 * record per line, `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>`, where `P` marks a piece
 * of a line longer than the maximum record size and `F` ends a line. One file per container run
 * (`<restartCount>.log`), and a `<restartCount>.done` sidecar once that run has exited, so a
 * follower knows when to stop.
 *
 * The reader implements the options of `GET .../pods/{pod}/log` as the kubelet does
 * (`pkg/kubelet/kuberuntime/logs/logs.go` ReadLogs): `tailLines` counts records from the end,
 * `sinceSeconds`/`sinceTime` filter by record timestamp, `timestamps` prefixes every record with its
 * timestamp, `limitBytes` cuts the output after that many bytes, `previous` reads the run before
 * the current one.
 */
import { appendFile, mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rfc3339Nano } from './cri-log-writer.js';
import { containerDoneFile, containerLogDir, containerLogFile, type PodRef } from './pod-files.js';

// The writer lives in plain JavaScript: the pod launcher process writes the logs.
export { ContainerLogWriter, MAX_LOG_RECORD_BYTES, rfc3339Nano, type LogStream } from './cri-log-writer.js';

const NEWLINE = 0x0a;

/**
 * The log of a run whose process was never asked for (its start failed on the worker, e.g. a
 * workingDir outside the pod): empty, and finished, as the launcher leaves the log of a process
 * that could not start. Throws when the log cannot be created.
 */
export async function writeUnstartedRunLog(ref: PodRef, container: string, restartCount: number): Promise<void> {
  const file = containerLogFile(ref, container, restartCount);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, '');
  await writeFile(containerDoneFile(ref, container, restartCount), rfc3339Nano(Date.now()) + '\n');
}

// ---- reading -------------------------------------------------------------------------------

export interface PodLogOptions {
  dataDir: string;
  namespace: string;
  jobUid: string;
  podName: string;
  container: string;
  /** The last N records (kubelet counts records, so a long line split in pieces counts each). */
  tailLines?: number;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Only records newer than this many seconds. */
  sinceSeconds?: number;
  /** Only records at or after this time (RFC3339). */
  sinceTime?: string;
  /** Prefix each record with its RFC3339Nano timestamp. */
  timestamps?: boolean;
  /** The run before the current one (the last terminated instance). */
  previous?: boolean;
}

/** No log for what was asked: the container has not run yet, or has no previous run. */
export class PodLogNotFoundError extends Error {
  constructor(
    readonly reason: 'NotStarted' | 'NoPrevious',
    message: string,
  ) {
    super(message);
    this.name = 'PodLogNotFoundError';
  }
}

interface LogRecord {
  timestamp: string;
  stream: string;
  partial: boolean;
  content: Buffer;
}

/** Parses one CRI record (kubelet parseCRILog); a malformed line is passed through as content. */
function parseRecord(line: Buffer): LogRecord {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s1 < 0 || s2 < 0) return { timestamp: '', stream: 'stdout', partial: false, content: line };
  const tagEnd = s3 < 0 ? line.length : s3;
  return {
    timestamp: line.subarray(0, s1).toString(),
    stream: line.subarray(s1 + 1, s2).toString(),
    partial: line.subarray(s2 + 1, tagEnd).toString().split(':')[0] === 'P',
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

/** Restart counts that have a log file, ascending. */
async function runsOf(ref: PodRef, container: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(containerLogDir(ref, container));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((n) => /^(\d+)\.log$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function pickRun(opts: PodLogOptions): Promise<number> {
  const runs = await runsOf(opts, opts.container);
  const current = runs.at(-1);
  if (current === undefined) {
    throw new PodLogNotFoundError(
      'NotStarted',
      `container "${opts.container}" in pod "${opts.podName}" is waiting to start: no log yet`,
    );
  }
  if (!opts.previous) return current;
  if (!runs.includes(current - 1)) {
    throw new PodLogNotFoundError(
      'NoPrevious',
      `previous terminated container "${opts.container}" in pod "${opts.podName}" not found`,
    );
  }
  return current - 1;
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/** Offset where the last `n` complete records before `end` begin (kubelet tail.FindTailLineStartIndex). */
async function tailStart(fh: FileHandle, end: number, n: number): Promise<number> {
  if (n <= 0) return end;
  const chunk = Buffer.alloc(64 * 1024);
  let newlines = 0;
  let pos = end;
  while (pos > 0) {
    const len = Math.min(chunk.length, pos);
    pos -= len;
    await fh.read(chunk, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (chunk[i] !== NEWLINE) continue;
      newlines++;
      // The first newline found ends the last record; the (n+1)-th ends the record before the tail.
      if (newlines === n + 1) return pos + i + 1;
    }
  }
  return 0;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads the complete records in [from, to) a chunk at a time (a log may be far larger than what
 * is asked of it); `next` is the offset after the last complete record, where a follower resumes.
 */
async function* readRecords(
  fh: FileHandle,
  from: number,
  to: number,
  position: { next: number } = { next: from },
  chunkBytes: number = READ_CHUNK_BYTES,
): AsyncGenerator<LogRecord[], void, undefined> {
  position.next = from;
  let carry = Buffer.alloc(0);
  let offset = from;
  while (offset < to) {
    const buf = Buffer.alloc(Math.min(chunkBytes, to - offset));
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    const records: LogRecord[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NEWLINE, start);
      if (nl < 0) break;
      records.push(parseRecord(data.subarray(start, nl)));
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
    position.next = offset - carry.length;
    if (records.length > 0) yield records;
  }
}

/** Formats records as the kubelet writes them to the client, applying since and limitBytes. */
class LogFormatter {
  written: number;
  readonly since: number | null;

  /** `resume`: the state of a read that continues (a remote read in chunks, see readPodLogChunk). */
  constructor(
    private readonly opts: PodLogOptions,
    resume?: { written: number; since: number | null },
  ) {
    const sinceSeconds = opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : null;
    const sinceTime = opts.sinceTime !== undefined ? Date.parse(opts.sinceTime) : null;
    this.since = resume ? resume.since : (sinceSeconds ?? (sinceTime !== null && Number.isFinite(sinceTime) ? sinceTime : null));
    this.written = resume?.written ?? 0;
  }

  get exhausted(): boolean {
    return this.opts.limitBytes !== undefined && this.written >= this.opts.limitBytes;
  }

  format(records: LogRecord[]): Buffer {
    const parts: Buffer[] = [];
    for (const r of records) {
      if (this.exhausted) break;
      if (this.since !== null && r.timestamp !== '' && Date.parse(r.timestamp) < this.since) continue;
      let out = Buffer.concat([
        this.opts.timestamps && r.timestamp ? Buffer.from(r.timestamp + ' ') : Buffer.alloc(0),
        r.content,
        r.partial ? Buffer.alloc(0) : Buffer.from('\n'),
      ]);
      if (this.opts.limitBytes !== undefined) out = out.subarray(0, this.opts.limitBytes - this.written);
      this.written += out.length;
      parts.push(out);
    }
    return Buffer.concat(parts);
  }
}

/** The log of one container run, as `GET /api/v1/namespaces/{ns}/pods/{pod}/log` returns it. */
export async function readPodLog(opts: PodLogOptions): Promise<string> {
  const run = await pickRun(opts);
  const file = containerLogFile(opts, opts.container, run);
  const fh = await open(file, 'r');
  try {
    const end = (await fh.stat()).size;
    const from = opts.tailLines !== undefined ? await tailStart(fh, end, opts.tailLines) : 0;
    const formatter = new LogFormatter(opts);
    const parts: Buffer[] = [];
    for await (const records of readRecords(fh, from, end)) {
      parts.push(formatter.format(records));
      if (formatter.exhausted) break;
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    await fh.close();
  }
}

export interface FollowOptions extends PodLogOptions {
  /** Stops following (the iterator ends). */
  signal?: AbortSignal;
  /** How often to look for new records. */
  pollIntervalMs?: number;
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `kubectl logs -f`: yields the log as `readPodLog` would, then new output as it is written, and
 * ends when the container run has finished (its `.done` sidecar exists and everything before it
 * was read), when `limitBytes` is reached, or when `signal` aborts.
 */
export async function* followPodLog(opts: FollowOptions): AsyncGenerator<string, void, undefined> {
  const run = await pickRun(opts);
  const file = containerLogFile(opts, opts.container, run);
  const doneFile = containerDoneFile(opts, opts.container, run);
  const formatter = new LogFormatter(opts);
  const fh = await open(file, 'r');
  try {
    let offset = opts.tailLines !== undefined ? await tailStart(fh, await fileSize(file), opts.tailLines) : 0;
    for (;;) {
      if (opts.signal?.aborted) return;
      // Look for the sidecar before reading: it is written after the last record, so a read that
      // starts after seeing it is guaranteed to reach the end of the log.
      const finished = await exists(doneFile);
      const position = { next: offset };
      for await (const records of readRecords(fh, offset, (await fh.stat()).size, position)) {
        const out = formatter.format(records);
        if (out.length > 0) yield out.toString('utf8');
        if (formatter.exhausted) return;
      }
      offset = position.next;
      if (finished) return;
      await abortableDelay(opts.pollIntervalMs ?? 200, opts.signal);
    }
  } finally {
    await fh.close();
  }
}

// ---- reading in chunks, for a reader on another machine ------------------------------------

/**
 * Where a chunked read of one container run stands. Plain JSON: it travels between the API and
 * the worker that has the log (`podLog` workflow, see src/workflows/pod-log.ts).
 */
export interface PodLogCursor {
  /** The container run being read (its restart count). */
  run: number;
  /** Byte offset of the next record to read. */
  offset: number;
  /** Without follow: the end of the log when the read began (a plain read does not wait for more). */
  until: number | null;
  /** Bytes given out so far (limitBytes counts over the whole read). */
  written: number;
  /** sinceSeconds/sinceTime as a time, fixed when the read began (ms since the epoch). */
  since: number | null;
}

export interface PodLogChunkRequest extends Omit<PodLogOptions, 'dataDir'> {
  follow: boolean;
  /** Absent on the first call; then the cursor the previous chunk returned. */
  cursor?: PodLogCursor;
  /** Follow: how long to wait for new output before answering with none. */
  waitMs?: number;
}

export interface PodLogChunk {
  text: string;
  cursor: PodLogCursor;
  /** Nothing more will come: the read is complete, the run has finished or limitBytes is reached. */
  done: boolean;
}

/** A chunk's text stays well below Temporal's payload limits (2 MB per payload). */
export const POD_LOG_CHUNK_BYTES = 256 * 1024;

/**
 * One piece of a pod log read, with the semantics of `readPodLog` (plain) or `followPodLog`
 * (follow) over all the pieces together: the API of another machine calls it repeatedly through
 * the worker that has the log, passing back the cursor, until `done`. A follow call waits up to
 * `waitMs` for new output, so a quiet log costs a call every `waitMs`, not a busy loop.
 */
export async function readPodLogChunk(dataDir: string, req: PodLogChunkRequest): Promise<PodLogChunk> {
  const opts: PodLogOptions = { ...req, dataDir };
  const run = req.cursor?.run ?? (await pickRun(opts));
  const file = containerLogFile(opts, opts.container, run);
  const doneFile = containerDoneFile(opts, opts.container, run);
  const formatter = new LogFormatter(opts, req.cursor ? { written: req.cursor.written, since: req.cursor.since } : undefined);
  const fh = await open(file, 'r');
  try {
    let offset = req.cursor?.offset ?? 0;
    let until = req.cursor ? req.cursor.until : null;
    if (!req.cursor) {
      const size = (await fh.stat()).size;
      if (opts.tailLines !== undefined) offset = await tailStart(fh, size, opts.tailLines);
      if (!req.follow) until = size;
    }
    const cursor = (): PodLogCursor => ({ run, offset, until, written: formatter.written, since: formatter.since });
    const waitUntil = Date.now() + (req.follow ? Math.max(0, req.waitMs ?? 0) : 0);
    const parts: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      // The sidecar first: it is written after the last record (see followPodLog).
      const finished = req.follow ? await exists(doneFile) : true;
      const end = until ?? (await fh.stat()).size;
      const position = { next: offset };
      let full = false;
      for await (const records of readRecords(fh, offset, end, position, 64 * 1024)) {
        const out = formatter.format(records);
        parts.push(out);
        bytes += out.length;
        if (formatter.exhausted || bytes >= POD_LOG_CHUNK_BYTES) {
          full = true;
          break;
        }
      }
      offset = position.next;
      const text = () => Buffer.concat(parts).toString('utf8');
      if (formatter.exhausted) return { text: text(), cursor: cursor(), done: true };
      if (full) return { text: text(), cursor: cursor(), done: false };
      // Not full: everything up to `end` is read (an unfinished last line waits for its newline).
      if (!req.follow) return { text: text(), cursor: cursor(), done: true };
      if (finished) return { text: text(), cursor: cursor(), done: true };
      if (bytes > 0 || Date.now() >= waitUntil) return { text: text(), cursor: cursor(), done: false };
      await abortableDelay(Math.min(200, Math.max(0, waitUntil - Date.now())), undefined);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The last 80 lines, then the last 2048 bytes of them, of one container run: the termination
 * message of `terminationMessagePolicy: FallbackToLogsOnError` (kubelet
 * readLastStringFromContainerLogs, MaxContainerTerminationMessageLogLines/Length).
 */
export async function readLogTail(ref: PodRef, container: string, restartCount: number): Promise<string> {
  const file = containerLogFile(ref, container, restartCount);
  const fh = await open(file, 'r');
  try {
    const end = (await fh.stat()).size;
    const formatter = new LogFormatter({ ...ref, container });
    const parts: Buffer[] = [];
    for await (const records of readRecords(fh, await tailStart(fh, end, 80), end)) parts.push(formatter.format(records));
    const text = Buffer.concat(parts);
    let tail = text.subarray(Math.max(0, text.length - 2048));
    // Do not start in the middle of a UTF-8 character.
    while (tail.length > 0 && ((tail[0] ?? 0) & 0xc0) === 0x80) tail = tail.subarray(1);
    return tail.toString('utf8');
  } finally {
    await fh.close();
  }
}
