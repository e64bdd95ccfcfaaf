import type { JobState, PodRecord } from './state.js';

/**
 * Deep copy of plain-JSON values. The controller's state is plain JSON by contract, so this is
 * exact; it avoids relying on `structuredClone` being present in the workflow sandbox.
 */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}


/**
 * A copy of the state that the controller may change. Small records it mutates in place
 * (conditions, timers, index failures, backoff) are copied; the rest is copy on write: pod
 * records are replaced through `ownPod` before a change, events are replaced rather than changed,
 * and `setSpec`/`jobUpdated` put a new Job object in. A full JSON copy per event made a
 * 10,000-completion Job take seconds in tests.
 */
export function copyState(state: JobState): JobState {
  return {
    ...state,
    conditions: state.conditions.map((c) => ({ ...c })),
    pods: [...state.pods],
    backoff: { ...state.backoff },
    indexFailures: { ...state.indexFailures },
    timers: { ...state.timers },
    events: [...state.events],
    deletion: state.deletion === null ? null : { ...state.deletion },
  };
}

/**
 * Copy on write for pod records: replaces `pod` in `state.pods` with a copy and returns the copy,
 * so the caller may change it without touching the input state (records may be shared with it).
 */
export function ownPod(state: JobState, pod: PodRecord): PodRecord {
  const i = state.pods.indexOf(pod);
  const copy = { ...pod };
  if (i >= 0) state.pods[i] = copy;
  return copy;
}
