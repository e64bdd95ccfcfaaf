/**
 * Longer sequences across rules, checked through the rendered status (job-semantics §6, job-semantics §8, job-semantics §15, job-semantics §21).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderJob } from '../../src/controller/index.js';
import { aJob, aRun, deleteJob, deletePod, podRunning, resume, suspend } from '../support/builders.js';
import { expectPlainJsonStates } from '../support/plain-json.js';

afterEach(expectPlainJsonStates);

describe('scenarios', () => {
  it('fails a work-queue Job on the backoff limit: failures still count after nothing succeeded (job-semantics §6)', () => {
    const run = aRun(aJob({ parallelism: 2, backoffLimit: 1 }));
    const [a, b] = run.active();
    run.exit(a!, 1).exit(b!, 1);
    expect(run.state.conditions.map((c) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    expect(renderJob(run.state).status).toMatchObject({ failed: 2, succeeded: 0, active: 0 });
  });

  it('replaces an Indexed pod deleted by a user with a pod of the same index while the old one terminates (TerminatingOrFailed, job-semantics §15)', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const old = run.podOfIndex(1);
    run.send(podRunning(old)).send(deletePod(old, 30)).fire('backoff');
    expect(run.activeIndexes()).toEqual([0, 1, 2]);
    expect(run.terminating()).toEqual([old]);
    expect(renderJob(run.state).status).toMatchObject({ active: 3, terminating: 1, failed: 1 });
    // The old attempt exiting 0 changes nothing: it was counted as failed when deleted (job-semantics §8).
    run.exit(old, 0);
    expect(renderJob(run.state).status).toMatchObject({ completedIndexes: '', failed: 1, terminating: 0 });
  });

  it('does not give a new pod to an index whose deleted pod still terminates (podReplacementPolicy Failed, job-semantics §5)', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, completionMode: 'Indexed', podReplacementPolicy: 'Failed' }));
    const old = run.podOfIndex(0);
    run.send(deletePod(old, 30));
    run.exit(run.podOfIndex(2), 0);
    expect(run.activeIndexes()).toEqual([1]);
    run.exit(old, 143).fire('backoff');
    expect(run.activeIndexes()).toEqual([0, 1]);
    expect(renderJob(run.state).status).toMatchObject({ failed: 1, completedIndexes: '2' });
  });

  it('suspends, resumes and completes with the counts of a cluster: suspended pods never count', () => {
    const run = aRun(aJob({ completions: 3, parallelism: 3, backoffLimit: 0 }));
    run.exit(run.active()[0]!, 0);
    run.send(suspend());
    run.finishTerminating(137);
    expect(renderJob(run.state).status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    run.send(resume());
    expect(run.active()).toHaveLength(2);
    run.exitAll(() => 0);
    const status = renderJob(run.state).status!;
    expect(status).toMatchObject({ succeeded: 3, failed: 0 });
    expect(status.conditions?.map((c) => `${c.type}:${c.status}`)).toEqual(['Suspended:False', 'SuccessCriteriaMet:True', 'Complete:True']);
  });

  it('deletes a Job while it is suspended with pods still terminating, completing once they are gone', () => {
    const run = aRun(aJob({ completions: 2, parallelism: 2 }));
    run.send(suspend()).send(deleteJob('Foreground'));
    expect(run.actionsOf('terminatePod')).toEqual([]);
    run.finishTerminating();
    expect(run.last.map((a) => a.type)).toEqual(['removePodData', 'complete', 'forgetPod']);
  });

  it('emits complete only once for an Orphan delete, whatever comes after', () => {
    const run = aRun(aJob({ completions: 1 }));
    const a = run.active()[0]!;
    run.send(deleteJob('Orphan'));
    run.exit(a, 0);
    expect(run.actionsOf('complete', run.actions)).toHaveLength(1);
  });

  it('ignores OnFailure restarts reported after the Job already failed', () => {
    const run = aRun(aJob({ completions: 1, backoffLimit: 1, restartPolicy: 'OnFailure' }));
    const a = run.active()[0]!;
    run.send(podRunning(a, { restarts: 1 })).send(podRunning(a, { restarts: 2 }));
    expect(renderJob(run.state).status?.failed).toBe(1);
    expect(run.state.conditions.filter((c) => c.type === 'FailureTarget')).toHaveLength(1);
  });
});
