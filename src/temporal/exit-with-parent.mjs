/**
 * Preloaded (`node --import`) into the worker that `npm start` runs as a child process: when the
 * parent's end of our stdin closes — the parent exited, even by SIGKILL — this process sends itself
 * SIGTERM, so the worker shuts down as on any stop (its pods get their grace period) instead of
 * running on without anyone to stop it. Plain JavaScript: Node also preloads it into the SDK's
 * workflow thread, where no TypeScript loader runs; it does nothing there.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const stop = () => process.kill(process.pid, 'SIGTERM');
  process.stdin.once('end', stop);
  process.stdin.once('error', stop);
  process.stdin.resume();
  // Reading stdin must not keep the process alive once the worker has stopped.
  process.stdin.unref?.();
}
