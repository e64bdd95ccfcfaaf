// @ts-check
/**
 * The pod launcher process: one per worker, started by the worker with `process.execPath` and
 * nothing else (no TypeScript loader, no Temporal), so that it stays small and forking the
 * containers' processes from it is cheap. The worker's main thread then neither forks (about
 * 16 ms per process from a large, many-threaded worker) nor writes logs.
 *
 * Requests arrive as JSON lines on stdin, events leave as JSON lines on stdout (protocol.ts);
 * everything written in one turn of the event loop goes out in one write. stdin's only writer is
 * the worker: at EOF (the worker stopped, or died, even by SIGKILL) every process group still
 * running is SIGKILLed at once and the launcher exits. Diagnostics go to stderr, which the worker
 * logs.
 */
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { LauncherCore } from './launcher-core.js';

/** @typedef {import('./protocol.js').LauncherEvent} LauncherEvent */
/** @typedef {import('./protocol.js').LauncherRequest} LauncherRequest */

/** @type {string[]} */
let outbox = [];
function flush() {
  const data = outbox.join('');
  outbox = [];
  // Synchronous on a pipe (Linux): events are out, in order, before the launcher can exit.
  process.stdout.write(data);
}

const core = new LauncherCore((/** @type {LauncherEvent} */ event) => {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(JSON.stringify(event) + '\n');
});

// The worker is gone (or let go): no grace period for anything still running.
function workerGone() {
  core.killAll();
  process.exit(0);
}

process.stdout.on('error', workerGone);
process.stdin.on('end', workerGone);
process.stdin.on('error', workerGone);

let carry = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (/** @type {string} */ text) => {
  const lines = (carry + text).split('\n');
  carry = lines.pop() ?? '';
  for (const line of lines) {
    if (line === '') continue;
    /** @type {LauncherRequest} */
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      process.emitWarning(`kjob pod launcher: not a request: ${line.slice(0, 200)}`);
      continue;
    }
    core.handle(request);
  }
});
