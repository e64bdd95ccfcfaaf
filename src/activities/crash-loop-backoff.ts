/**
 * The kubelet's crash-loop backoff for `restartPolicy: OnFailure` (pkg/kubelet/kuberuntime
 * doBackOff over client-go flowcontrol.Backoff), with base and cap from the Job's settings so tests
 * can shrink them.
 */

/** Go's time.Duration.String for the CrashLoopBackOff message (`10s`, `2m40s`, `50ms`). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = Number((totalSeconds % 60).toFixed(3));
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/** The kubelet's crash-loop delay before restart number `restarts + 1`: base·2^restarts, capped. */
export function restartDelayMs(restarts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** restarts, maxMs);
}

/**
 * client-go flowcontrol.Backoff, as the kubelet uses it for crash loops: each failure doubles the
 * delay up to the cap, but an entry last updated more than twice the cap ago has expired and the
 * delay starts again at the base (a container that ran 10 minutes with the default 5-minute cap).
 */
export class CrashLoopBackoff {
  private exponent = 0;
  private lastUpdate: number | null = null;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  next(now: number): number {
    if (this.lastUpdate === null || now - this.lastUpdate > 2 * this.maxMs) this.exponent = 0;
    else this.exponent++;
    this.lastUpdate = now;
    return restartDelayMs(this.exponent, this.baseMs, this.maxMs);
  }
}
