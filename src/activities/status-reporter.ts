/**
 * Progress reports of a running pod attempt to its Job workflow (the `podStatus` signal). Reports
 * are snapshots, so only the newest pending one matters; they are sent one at a time, in order,
 * retried a few times, and a failure is logged, never thrown: the attempt's result is what counts.
 */
import type { PodStatusReport } from '../k8s/pod-run.js';
import type { ActivityLogger } from './deps.js';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Serialises status reports, keeps only the newest pending one, retries a few times, never throws. */
export class StatusReporter {
  private latest: PodStatusReport | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly send: (report: PodStatusReport) => Promise<void>,
    private readonly log: ActivityLogger,
    private readonly fields: Record<string, unknown>,
  ) {}

  push(report: PodStatusReport): void {
    this.latest = report;
    this.kick();
  }

  private kick(): void {
    if (this.loop) return;
    this.loop = this.run().finally(() => {
      this.loop = null;
      // A report pushed after run() saw an empty slot but before this callback ran.
      if (this.latest) this.kick();
    });
  }

  /** Waits until every pushed report was sent (or given up on), at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      while (this.loop) {
        if ((await Promise.race([this.loop, timeout])) === 'timeout') {
          this.log.warn('pod status reports still pending; returning the result without them', this.fields);
          return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    while (this.latest) {
      const report = this.latest;
      this.latest = null;
      await this.sendWithRetry(report);
    }
  }

  private async sendWithRetry(report: PodStatusReport): Promise<void> {
    const attempts = 4;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.send(report);
        return;
      } catch (err) {
        const fields = { ...this.fields, attempt, error: errorMessage(err) };
        if (attempt === attempts) {
          this.log.error('pod status report dropped', fields);
          return;
        }
        this.log.warn('pod status report failed, retrying', fields);
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      }
    }
  }
}
