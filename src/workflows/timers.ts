/**
 * The controller's timers as cancellable workflow sleeps: `arm` (re)arms a timer to fire at an
 * absolute time, `cancel` drops it; a timer that fires emits `timerFired` unless it was re-armed
 * or cancelled in between.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import type { Trigger } from '../controller/index.js';

export interface Timers {
  arm(timerId: string, fireAt: number): void;
  cancel(timerId: string): void;
}

export function createTimers(emit: (trigger: Trigger) => void): Timers {
  const scopes = new Map<string, CancellationScope>();

  const cancel = (timerId: string) => {
    scopes.get(timerId)?.cancel();
    scopes.delete(timerId);
  };

  const arm = (timerId: string, fireAt: number) => {
    cancel(timerId);
    const scope = new CancellationScope({ cancellable: true });
    scopes.set(timerId, scope);
    scope.run(() => sleep(Math.max(1, fireAt - Date.now()))).then(
      () => {
        if (scopes.get(timerId) !== scope) return;
        scopes.delete(timerId);
        emit({ type: 'timerFired', timerId });
      },
      (err: unknown) => {
        if (!isCancellation(err)) throw err;
      },
    );
  };

  return { arm, cancel };
}
