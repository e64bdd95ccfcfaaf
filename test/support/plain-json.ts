/**
 * STYLE convention 3: every state the scenario tests produce survives a JSON round trip
 * unchanged (no Map, Set, Date, class or undefined). Register with `afterEach(expectPlainJsonStates)`.
 */
import { expect } from 'vitest';
import { drainRuns } from './builders.js';

export function expectPlainJsonStates(): void {
  for (const run of drainRuns()) {
    for (const s of run.states) expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
  }
}
