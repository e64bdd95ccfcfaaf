/**
 * The terminal outcome of a pod on the worker that ran it, recorded in `<pod dir>/outcome.json`
 * before any activity hands it over. It outlives the worker's memory of the pod (and a lost
 * activity result: Temporal down while the pod ended), so a later `watchPod` still answers with
 * the real exit codes for as long as the pod's data exists.
 *
 * Written atomically (a temporary file, then rename): a reader sees the whole outcome or none,
 * also when the worker process crashes mid-write. Not fsynced: the file serves `watchPod` on this
 * worker's node queue, which only lives as long as this worker process; a machine crash takes the
 * worker (and its node queue) with it, while the page cache survives a process crash. An fsync
 * per pod would cost throughput and buy nothing.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { PodFailureType, PodResult } from '../k8s/pod-run.js';
import { podOutcomeFile, type PodRef } from './pod-files.js';

/** How a pod ended on this worker: a result (every process outcome), or a failure that is not one. */
export type PodOutcome =
  | { kind: 'result'; result: PodResult }
  | { kind: 'failure'; type: PodFailureType; message: string };

interface OutcomeFile {
  podUid: string;
  outcome: PodOutcome;
}

export async function writePodOutcome(ref: PodRef, podUid: string, outcome: PodOutcome): Promise<void> {
  const file = podOutcomeFile(ref);
  const tmp = `${file}.tmp-${process.pid}`;
  const body: OutcomeFile = { podUid, outcome };
  try {
    await writeFile(tmp, JSON.stringify(body) + '\n');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The recorded outcome of pod `podUid`, or null when none is recorded (or it belongs to another uid). */
export async function readPodOutcome(ref: PodRef, podUid: string): Promise<PodOutcome | null> {
  let text: string;
  try {
    text = await readFile(podOutcomeFile(ref), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as OutcomeFile;
  return parsed.podUid === podUid ? parsed.outcome : null;
}
