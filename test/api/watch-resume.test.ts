/* eslint-disable @typescript-eslint/no-explicit-any -- watch events are untyped JSON */
/**
 * Watch and list semantics clients build on: a watch from a list's resourceVersion sends nothing
 * already listed; a too-old one ends with 410 Expired; bookmarks carry a current resourceVersion;
 * `limit`/`continue` pages through a list.
 */
import { describe, expect, it } from 'vitest';
import { jobManifest, uniqueName, useTestApi } from '../support/api-env.js';

const NS = 'watch-resume';
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const env = useTestApi();

/** Reads a watch for `ms` (or until it ends) and returns its events. */
async function watchFor(path: string, ms: number): Promise<any[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  let text = '';
  try {
    const res = await fetch(env.api.baseUrl + path, { signal: controller.signal });
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function createSuspended(name: string, label: string): Promise<void> {
  const res = await env.api.request('POST', JOBS, { body: jobManifest({ name, labels: { group: label }, spec: { suspend: true } }) });
  expect(res.status, res.text).toBe(201);
}

describe('watch from a resourceVersion', () => {
  it('when a watch starts from the list\'s resourceVersion, then listed Jobs are not sent again, and new ones are', async () => {
    const label = uniqueName('g');
    await createSuspended(uniqueName('old'), label);
    // Let the Job settle (its Suspended condition), so the list below holds its final state.
    await expect.poll(async () => (await env.api.request('GET', `${JOBS}?labelSelector=group%3D${label}`)).json.items[0]?.status?.conditions?.length ?? 0).toBe(1);
    const list = await env.api.request('GET', `${JOBS}?labelSelector=group%3D${label}`);
    const rv = list.json.metadata.resourceVersion;
    const fresh = uniqueName('new');
    const watching = watchFor(`${JOBS}?watch=true&labelSelector=group%3D${label}&resourceVersion=${rv}`, 4_000);
    await createSuspended(fresh, label);
    const events = await watching;
    expect(events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toEqual([fresh]);
  });

  it('when the resourceVersion is too old, then the watch answers an ERROR event with a 410 Expired Status', async () => {
    const events = await watchFor(`${JOBS}?watch=true&resourceVersion=1000`, 5_000);
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  it('when the resourceVersion is not a number, then 400', async () => {
    expect((await env.api.request('GET', `${JOBS}?watch=true&resourceVersion=abc`)).status).toBe(400);
  });

  it('when bookmarks are allowed, then BOOKMARK events carry a current resourceVersion', async () => {
    const before = Date.now();
    const events = await watchFor(`${JOBS}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&labelSelector=group%3Dnone`, 7_000);
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks[0].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(bookmarks.length).toBeGreaterThanOrEqual(2);
    expect(bookmarks.at(-1).object).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(Number(bookmarks.at(-1).object.metadata.resourceVersion)).toBeGreaterThan((before - 3_000) * 1000);
  });
});

describe('limit and continue', () => {
  it('when a list is paged one item at a time, then every Job comes once and the last page has no continue', async () => {
    const label = uniqueName('p');
    const names = [uniqueName('p1'), uniqueName('p2'), uniqueName('p3')];
    for (const name of names) await createSuspended(name, label);
    const seen: string[] = [];
    let token = '';
    for (let page = 0; page < 5; page++) {
      const res = await env.api.request('GET', `${JOBS}?labelSelector=group%3D${label}&limit=1${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json.items.map((j: any) => j.metadata.name));
      token = res.json.metadata.continue ?? '';
      if (!token) break;
      expect(res.json.metadata.remainingItemCount).toBe(names.length - seen.length);
    }
    expect(seen).toEqual([...names].sort());
    expect((await env.api.request('GET', `${JOBS}?continue=garbage`)).status).toBe(400);
  });
});
