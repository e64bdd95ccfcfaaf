/**
 * The CronJob workflow's hands on Temporal Schedules: create-or-update its Schedule from the
 * options the controller computed, and delete it. Idempotent, so Temporal may retry them freely; a
 * spec Temporal refuses is not retried (the workflow reports it as an Event).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, isGrpcServiceError, type Client, type ScheduleOptions } from '@temporalio/client';
import { CRONJOB_TICK_WORKFLOW_TYPE, type CronJobScheduleRequest } from '../workflows/definitions.js';
import type { ActivityLogger } from './deps.js';

export interface ScheduleActivityDeps {
  client: Client;
  log: ActivityLogger;
}

export interface ScheduleActivities {
  syncCronJobSchedule(request: CronJobScheduleRequest): Promise<void>;
  deleteCronJobSchedule(request: { scheduleId: string }): Promise<void>;
}

const INVALID_ARGUMENT = 3;

/** The Schedule: the CronJob's spec, ALLOW_ALL overlap (kjob applies concurrencyPolicy), a tick as action. */
export function scheduleOptions(request: CronJobScheduleRequest): ScheduleOptions {
  const { options } = request;
  return {
    scheduleId: request.scheduleId,
    spec: {
      ...(options.spec.cronExpressions ? { cronExpressions: options.spec.cronExpressions } : {}),
      ...(options.spec.intervals ? { intervals: options.spec.intervals } : {}),
      ...(options.spec.timezone ? { timezone: options.spec.timezone } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: CRONJOB_TICK_WORKFLOW_TYPE,
      workflowId: `${request.scheduleId}:tick`,
      taskQueue: request.taskQueue,
      args: [request.tick],
    },
    policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: options.catchupWindowMs, pauseOnFailure: false },
    state: { paused: options.paused, note: options.note },
  };
}

/** A spec Temporal will never accept: fail without retries. */
function refused(err: unknown): never {
  const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError((err as { cause?: unknown })?.cause) ? (err as { cause: unknown }).cause : null;
  if (err instanceof TypeError || (grpc && (grpc as { code?: number }).code === INVALID_ARGUMENT)) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidSchedule');
  }
  throw err;
}

export function createScheduleActivities({ client, log }: ScheduleActivityDeps): ScheduleActivities {
  return {
    async syncCronJobSchedule(request) {
      const options = scheduleOptions(request);
      try {
        await client.schedule.create(options);
        log.info('schedule created', { scheduleId: request.scheduleId });
        return;
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) refused(err);
      }
      const { scheduleId: _id, ...update } = options;
      try {
        await client.schedule.getHandle(request.scheduleId).update((previous) => ({ ...update, state: { ...previous.state, ...update.state } }));
      } catch (err) {
        refused(err);
      }
      log.info('schedule updated', { scheduleId: request.scheduleId, paused: request.options.paused });
    },

    async deleteCronJobSchedule({ scheduleId }) {
      try {
        await client.schedule.getHandle(scheduleId).delete();
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return;
        throw err;
      }
      log.info('schedule deleted', { scheduleId });
    },
  };
}
