/**
 * What `npm start` tells a person when its worker child dies: the worker's error, not its warnings.
 */
import { describe, expect, it } from 'vitest';
import { failureLine } from '../../src/temporal/worker-process.js';

describe('the reason shown when the worker exits', () => {
  it.each([
    { name: 'an error log line', line: '{"ts":"t","level":"error","msg":"worker failed","error":"Error: Temporal namespace \\"x\\" does not exist"}', want: 'worker failed: Error: Temporal namespace "x" does not exist' },
    { name: 'a warning log line', line: '{"ts":"t","level":"warn","msg":"No workflows registered, not polling for workflow tasks"}', want: null },
    { name: "the SDK core's warning", line: '\u001b[2m2026-12-02T14:45:36Z\u001b[0m \u001b[33m WARN\u001b[0m temporalio_sdk_core: Workflow task duration exceeded 5 seconds.', want: null },
    { name: 'a plain message (a crash)', line: 'kjob worker: the data directory /x is not writable', want: 'kjob worker: the data directory /x is not writable' },
    { name: 'an empty line', line: '   ', want: null },
  ])('when stderr has $name, then it is shown as $want', ({ line, want }) => {
    expect(failureLine(line)).toBe(want);
  });
});
