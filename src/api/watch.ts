/**
 * `?watch=true` on the list endpoints, for `kubectl get -w`, `kubectl wait` and informers. kjob
 * keeps no event stream of its own (the truth is in the workflows), so a watch polls the same list
 * the plain GET serves and sends the differences as Kubernetes watch events, one JSON object per
 * line: ADDED for objects not seen before (all of them at first, as a watch without a
 * resourceVersion does), MODIFIED when an object changed, DELETED when it left the list. A client
 * asking for Tables gets each event's object as a one-row Table, as the API server does.
 */
import type { Request, Response } from 'express';
import type { ObjectMeta } from '../k8s/types.js';
import { intParam } from './params.js';
import { ApiError, toStatus } from './status.js';
import type { Table } from './table.js';

/** How often a watch re-reads the list. */
export const WATCH_POLL_MS = 1_000;
/** Longest watch (the API server ends watches after a random 30–60 minutes; clients re-watch). */
const MAX_WATCH_SECONDS = 1_800;

export interface WatchOptions<T> {
  list: () => Promise<T[]>;
  /** Renders objects as a Table when the client asked for one. */
  table?: ((items: T[]) => Table) | null;
  pollMs?: number;
}

function keyOf(meta: ObjectMeta): string {
  return `${meta.namespace ?? ''}/${meta.name ?? ''}/${meta.uid ?? ''}`;
}

export async function serveWatch<T extends { metadata: ObjectMeta }>(req: Request, res: Response, options: WatchOptions<T>): Promise<void> {
  const timeoutSeconds = Math.min(intParam(req, 'timeoutSeconds', 0) ?? MAX_WATCH_SECONDS, MAX_WATCH_SECONDS);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let closed = false;
  let wake: (() => void) | null = null;
  res.on('close', () => {
    closed = true;
    wake?.();
  });
  // The first list must succeed before the stream starts, so its errors are ordinary Status answers.
  let items = await options.list();
  res.status(200).type('application/json');
  res.flushHeaders();

  const send = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T) => {
    const rendered = options.table ? options.table([object]) : object;
    res.write(JSON.stringify({ type, object: rendered }) + '\n');
  };
  const seen = new Map<string, { json: string; object: T }>();
  for (;;) {
    const current = new Map(items.map((o) => [keyOf(o.metadata), o]));
    for (const [key, object] of current) {
      const json = JSON.stringify(object);
      const before = seen.get(key);
      if (!before) send('ADDED', object);
      else if (before.json !== json) send('MODIFIED', object);
      seen.set(key, { json, object });
    }
    for (const [key, { object }] of seen) {
      if (current.has(key)) continue;
      send('DELETED', object);
      seen.delete(key);
    }
    if (closed || Date.now() >= deadline) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(options.pollMs ?? WATCH_POLL_MS, Math.max(0, deadline - Date.now())));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = null;
    if (closed) break;
    try {
      items = await options.list();
    } catch (err) {
      // Mid-stream failures end the watch with an ERROR event; the client re-lists and re-watches.
      if (!(err instanceof ApiError)) throw err;
      res.write(JSON.stringify({ type: 'ERROR', object: toStatus(err) }) + '\n');
      break;
    }
  }
  res.end();
}
