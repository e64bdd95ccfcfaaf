/**
 * Publishes a CronJob for readers (the API's GET/list/watch never wait on a worker): the memo keys
 * of CRONJOB_MEMO and the labels search attribute, each rewritten only when it changed, at most one
 * `upsertMemo` per workflow task (as job-publisher.ts does for Jobs).
 */
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { renderCronJob, renderCronJobEvents, type CronJobState } from '../controller/cronjob/index.js';
import { CRONJOB_MEMO, SA_LABELS, labelSearchTerms, type CronJobMemo, type PublishedSnapshot } from './definitions.js';
import { contentHash, nextResourceVersion } from './job-publisher.js';

/** The newest Events a CronJob publishes (the `events` query has all the controller keeps). */
export const PUBLISHED_CRONJOB_EVENTS = 50;

export interface CronJobPublisher {
  publish(state: CronJobState): void;
  snapshot(): PublishedSnapshot;
}

export function createCronJobPublisher(carried: PublishedSnapshot | undefined): CronJobPublisher {
  const hashes: Record<string, string> = { ...(carried?.hashes ?? {}) };
  let rv = carried?.rv ?? 0;
  const changed = (key: string, value: unknown): boolean => {
    const h = contentHash(JSON.stringify(value));
    if (hashes[key] === h) return false;
    hashes[key] = h;
    return true;
  };

  const publish = (state: CronJobState) => {
    const { status = {}, ...cronjob } = renderCronJob(state);
    const memo: CronJobMemo = { cronjob, status, events: renderCronJobEvents(state).slice(-PUBLISHED_CRONJOB_EVENTS), rv };
    const update: Record<string, unknown> = {};
    for (const key of [CRONJOB_MEMO.cronJob, CRONJOB_MEMO.status, CRONJOB_MEMO.events] as const) {
      if (changed(key, memo[key])) update[key] = memo[key];
    }
    if (Object.keys(update).length > 0) {
      rv = nextResourceVersion(rv, Date.now());
      update[CRONJOB_MEMO.rv] = rv;
      upsertMemo(update);
    }
    const labels = labelSearchTerms(state.cronJob.metadata.labels);
    if (changed('sa:labels', labels)) upsertSearchAttributes([{ key: SA_LABELS, value: labels }]);
  };

  return { publish, snapshot: () => ({ hashes: { ...hashes }, rv }) };
}
