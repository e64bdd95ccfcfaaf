/**
 * Stops a pod's processes as the kubelet's killContainer does: SIGTERM to every process group at
 * once, SIGKILL to whatever is left when the grace period is over.
 *
 * Grace periods are honoured from the moment termination is asked, not from when a heartbeat or
 * a process start happens to notice it. A later request with a shorter grace period brings the
 * SIGKILL forward (like a second `kubectl delete --grace-period=0`), never back. A process that
 * starts after termination was asked (it was being spawned) gets SIGTERM at once and the same
 * SIGKILL deadline.
 */
import type { ContainerProcess } from './pod-launcher.js';

export class Terminator {
  private readonly groups = new Set<ContainerProcess>();
  /** Epoch ms of the SIGKILL, once termination was asked. */
  private killAt: number | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private killed = false;

  /** True once termination was asked. */
  get requested(): boolean {
    return this.killAt !== null;
  }

  /** Takes a started process group in charge until it is gone. */
  track(proc: ContainerProcess): void {
    this.groups.add(proc);
    void proc.finished.finally(() => this.groups.delete(proc));
    if (this.killed) proc.signalGroup('SIGKILL');
    else if (this.killAt !== null) proc.signalGroup('SIGTERM');
  }

  /** SIGTERM now (first request only), SIGKILL `graceSeconds` from now unless an earlier one is due. */
  terminate(graceSeconds: number): void {
    const at = Date.now() + Math.max(0, graceSeconds) * 1000;
    const first = this.killAt === null;
    if (!first && at >= (this.killAt as number)) return;
    this.killAt = at;
    if (first) for (const proc of this.groups) proc.signalGroup('SIGTERM');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => this.kill(), Math.max(0, at - Date.now()));
  }

  /** Releases the timer once every process is gone. */
  dispose(): void {
    clearTimeout(this.killTimer);
  }

  private kill(): void {
    this.killed = true;
    for (const proc of this.groups) proc.signalGroup('SIGKILL');
  }
}
