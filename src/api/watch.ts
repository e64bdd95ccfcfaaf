/**
 * `?watch=true` on the list endpoints, for `kubectl get -w`, `kubectl wait` and informers. kjob
 * keeps no event stream of its own (the truth is in the workflows), so a watch polls the same list
 * the plain GET serves and sends the differences as Kubernetes watch events, one JSON object per
 * line: ADDED for objects not seen before, MODIFIED when an object changed, DELETED when it left
 * the list. A client asking for Tables gets each event's object as a one-row Table, as the API
 * server does.
 *
 * resourceVersions are the workflows' publication times in microseconds, so they order changes
 * across objects as etcd revisions do:
 * - a watch without resourceVersion (or "0") starts with ADDED for every current object;
 * - `resourceVersion=RV` (what kubectl and informers send after a list) sends only objects whose
 *   resourceVersion is newer than RV, so a list followed by a watch shows nothing twice;
 * - an RV older than this API's start or than WATCH_WINDOW_MS answers an ERROR event with a 410
 *   `Expired` Status, as the watch cache does for a compacted revision: kjob cannot know what was
 *   deleted since then, so the client re-lists (informers do so by themselves);
 * - `allowWatchBookmarks=true` adds BOOKMARK events carrying a current resourceVersion, and
 *   `sendInitialEvents=true` ends the initial ADDED events with the `k8s.io/initial-events-end`
 *   bookmark (the watch-list protocol).
 */
import type { Request, Response } from 'express';
import type { ObjectMeta } from '../k8s/types.js';
import { boolParam, intParam, queryParam } from './params.js';
import { ApiError, BadRequest, Expired, toStatus } from './status.js';
import type { Table } from './table.js';

/** How often a watch re-reads the list. */
export const WATCH_POLL_MS = 1_000;
/** Longest watch (the API server ends watches after a random 30–60 minutes; clients re-watch). */
const MAX_WATCH_SECONDS = 1_800;
/**
 * How far back a watch may start. kjob keeps no event history, so a watch resumed from an older
 * resourceVersion could not report what was deleted meanwhile: it gets 410 and the client
 * re-lists (which finds deletions). Short, so that a reconnecting informer re-lists rather than
 * miss a deletion; kubectl and informers watch from a list's resourceVersion right after the list.
 */
export const WATCH_WINDOW_MS = 30_000;
/** How often a watch that allows bookmarks gets one. */
export const BOOKMARK_INTERVAL_MS = 5_000;
/**
 * How late a change may become readable after its resourceVersion (a workflow publishes its memo
 * when its task completes; Visibility lags a little more): a list's resourceVersion stays this far
 * behind the clock, so a watch from it does not skip a change that was not readable yet.
 */
export const PUBLISH_LAG_MS = 2_000;

/** The key of `app.locals` holding the app's start as a resourceVersion (set by createApp). */
export const STARTED_RV = 'kjobStartedResourceVersion';

/** The resourceVersion an app starts at: a watch from before it must re-list (see createApp). */
export function startedResourceVersion(now = Date.now()): number {
  return (now - PUBLISH_LAG_MS) * 1000;
}

export interface WatchOptions<T> {
  list: () => Promise<T[]>;
  /** Renders objects as a Table when the client asked for one. */
  table?: ((items: T[]) => Table) | null;
  /** apiVersion and kind of the objects, for BOOKMARK events. */
  kind: { apiVersion: string; kind: string };
  pollMs?: number;
}

function keyOf(meta: ObjectMeta): string {
  return `${meta.namespace ?? ''}/${meta.name ?? ''}/${meta.uid ?? ''}`;
}

function rvOf(meta: ObjectMeta): number | null {
  const rv = Number(meta.resourceVersion);
  return meta.resourceVersion && Number.isSafeInteger(rv) ? rv : null;
}

/**
 * A list's resourceVersion: at least its newest item's, and otherwise the clock less the
 * publication lag, so that it is current (a watch from it is not "too old") even when nothing
 * changed for a long time.
 */
export function currentResourceVersion(items: ReadonlyArray<{ metadata: ObjectMeta }>, now = Date.now()): string {
  let max = (now - PUBLISH_LAG_MS) * 1000;
  for (const item of items) max = Math.max(max, rvOf(item.metadata) ?? 0);
  return String(max);
}

/** The `resourceVersion` a watch starts from: null = from now, with the current objects as ADDED. */
export function watchStart(req: Request, now = Date.now()): number | null {
  const raw = queryParam(req, 'resourceVersion');
  if (raw === undefined || raw === '' || raw === '0') return null;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new BadRequest(`invalid resource version ${JSON.stringify(raw)}`);
  const rv = Number(raw);
  // An API that restarted knows nothing of what happened before it started.
  const started = Number(req.app.locals[STARTED_RV] ?? 0);
  if (rv < started || rv < (now - WATCH_WINDOW_MS) * 1000) throw new Expired(`too old resource version: ${raw} (${currentResourceVersion([], now)})`);
  return rv;
}

export async function serveWatch<T extends { metadata: ObjectMeta }>(req: Request, res: Response, options: WatchOptions<T>): Promise<void> {
  const timeoutSeconds = Math.min(intParam(req, 'timeoutSeconds', 0) ?? MAX_WATCH_SECONDS, MAX_WATCH_SECONDS);
  const bookmarks = boolParam(req, 'allowWatchBookmarks');
  const initialEventsEnd = boolParam(req, 'sendInitialEvents');
  const deadline = Date.now() + timeoutSeconds * 1000;
  let closed = false;
  let wake: (() => void) | null = null;
  res.on('close', () => {
    closed = true;
    wake?.();
  });
  let from: number | null;
  try {
    from = watchStart(req);
  } catch (err) {
    // The watch cache answers a too-old resourceVersion inside the stream (an ERROR event with
    // the 410 Status); reflectors and client-node's informer both re-list on it.
    if (!(err instanceof Expired)) throw err;
    res.status(200).type('application/json');
    res.end(JSON.stringify({ type: 'ERROR', object: toStatus(err) }) + '\n');
    return;
  }
  // The first list must succeed before the stream starts, so its errors are ordinary Status answers.
  let items = await options.list();
  res.status(200).type('application/json');
  res.flushHeaders();

  const send = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T) => {
    const rendered = options.table ? options.table([object]) : object;
    res.write(JSON.stringify({ type, object: rendered }) + '\n');
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata = { resourceVersion: currentResourceVersion(items), ...(annotations ? { annotations } : {}) };
    res.write(JSON.stringify({ type: 'BOOKMARK', object: { ...options.kind, metadata } }) + '\n');
  };
  const seen = new Map<string, { json: string; object: T }>();
  let first = true;
  let lastBookmark = Date.now();
  for (;;) {
    const current = new Map(items.map((o) => [keyOf(o.metadata), o]));
    for (const [key, object] of current) {
      const json = JSON.stringify(object);
      const before = seen.get(key);
      seen.set(key, { json, object });
      if (before) {
        if (before.json !== json) send('MODIFIED', object);
        continue;
      }
      // From a resourceVersion: what the client already has (not newer than RV) is not sent again.
      const rv = rvOf(object.metadata);
      if (first && from !== null && rv !== null && rv <= from) continue;
      // Changed since RV: MODIFIED if the client's list had it (created by RV), ADDED if not.
      // creationTimestamp has whole seconds, so an object created in RV's second counts as listed:
      // a MODIFIED of an object a client lacks is an add to an informer (and one row to kubectl),
      // while a second ADDED of a listed object would print it twice.
      if (first && from !== null && rv !== null && Date.parse(object.metadata.creationTimestamp ?? '') * 1000 <= from) send('MODIFIED', object);
      else send('ADDED', object);
    }
    for (const [key, { object }] of seen) {
      if (current.has(key)) continue;
      // The deletion happened after everything seen so far: it gets a current resourceVersion.
      send('DELETED', { ...object, metadata: { ...object.metadata, resourceVersion: currentResourceVersion([object]) } });
      seen.delete(key);
    }
    if (first && initialEventsEnd) bookmark({ 'k8s.io/initial-events-end': 'true' });
    first = false;
    if (bookmarks && Date.now() - lastBookmark >= BOOKMARK_INTERVAL_MS) {
      bookmark();
      lastBookmark = Date.now();
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
