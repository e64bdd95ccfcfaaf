/**
 * readPodLogChunk: a pod log read a piece at a time, with the cursor travelling between calls (as
 * between an API and the worker that has the log), gives exactly what one local read gives.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerDoneFile, containerLogFile, type PodRef } from '../../src/storage/pod-files.js';
import { POD_LOG_CHUNK_BYTES, readPodLog, readPodLogChunk, type PodLogChunkRequest, type PodLogOptions } from '../../src/storage/pod-logs.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kjob-log-chunks-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let pods = 0;
function aLog(lines: string[], tail = ''): PodRef {
  const ref: PodRef = { dataDir, namespace: 'default', jobUid: '6f1c0d5e-0000-4000-8000-000000000001', podName: `p-${++pods}-abcde` };
  const file = containerLogFile(ref, 'main', 0);
  mkdirSync(path.dirname(file), { recursive: true });
  const base = Date.parse('2026-12-02T10:00:00Z');
  writeFileSync(file, lines.map((l, i) => `${new Date(base + i).toISOString().replace('Z', '000000Z')} stdout F ${l}\n`).join('') + tail);
  return ref;
}

/** Every chunk until done, as the API's remote reader asks for them. */
async function readAll(req: PodLogChunkRequest): Promise<{ text: string; calls: number }> {
  let text = '';
  let calls = 0;
  let cursor: PodLogChunkRequest['cursor'];
  for (;;) {
    const chunk = await readPodLogChunk(dataDir, { ...req, ...(cursor ? { cursor } : {}) });
    calls++;
    text += chunk.text;
    if (chunk.done) return { text, calls };
    cursor = chunk.cursor;
  }
}

describe('readPodLogChunk', () => {
  // ~1 MB: four chunks and more.
  const lines = Array.from({ length: 10_000 }, (_, i) => `${String(i).padStart(5, '0')} ${'x'.repeat(94)}`);
  const ref = aLog(lines);
  const opts = (o: Partial<PodLogOptions> = {}): PodLogOptions => ({ ...ref, container: 'main', ...o });

  it.each<[string, Partial<PodLogOptions>]>([
    ['the whole log', {}],
    ['tailLines', { tailLines: 7_000 }],
    ['limitBytes across chunks', { limitBytes: 600_000 }],
    ['timestamps', { timestamps: true }],
    ['sinceTime', { sinceTime: '2026-12-02T10:00:05Z' }],
  ])('when %s is read in chunks, then the pieces together are the local read', async (_name, o) => {
    const { dataDir: _d, ...rest } = opts(o);
    const { text, calls } = await readAll({ ...rest, follow: false });
    expect(text).toBe(await readPodLog(opts(o)));
    if (text.length > POD_LOG_CHUNK_BYTES) expect(calls).toBeGreaterThan(1);
  });

  it('when the last line is unfinished, then a plain read ends without it, as the local read', async () => {
    const r = aLog(['one', 'two'], '2026-12-02T10:00:01.000000000Z stdout P half');
    const { dataDir: _d, ...rest } = { ...r, container: 'main' };
    const { text } = await readAll({ ...rest, follow: false });
    expect(text).toBe('one\ntwo\n');
  });

  it('when a follow read finds nothing new, then it waits up to waitMs; it ends once the run is done', async () => {
    const r = aLog(['first']);
    const { dataDir: _d, ...rest } = { ...r, container: 'main' };
    const first = await readPodLogChunk(dataDir, { ...rest, follow: true, waitMs: 1_000 });
    expect(first).toMatchObject({ text: 'first\n', done: false });
    const started = Date.now();
    const idle = await readPodLogChunk(dataDir, { ...rest, follow: true, waitMs: 300, cursor: first.cursor });
    expect(idle).toMatchObject({ text: '', done: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    setTimeout(() => appendFileSync(containerLogFile(r, 'main', 0), '2026-12-02T10:00:02.000000000Z stdout F second\n'), 100);
    const more = await readPodLogChunk(dataDir, { ...rest, follow: true, waitMs: 5_000, cursor: idle.cursor });
    expect(more).toMatchObject({ text: 'second\n', done: false });
    writeFileSync(containerDoneFile(r, 'main', 0), '2026-12-02T10:00:03Z\n');
    const end = await readPodLogChunk(dataDir, { ...rest, follow: true, waitMs: 5_000, cursor: more.cursor });
    expect(end).toMatchObject({ text: '', done: true });
  });
});
