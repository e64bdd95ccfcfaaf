/**
 * kjob as a user sees it: the Kubernetes REST paths of the HTTP API, nothing else. Manifests are
 * plain batch/v1 Jobs; outcomes are read from the Job's conditions, as `kubectl wait` does.
 */
import { sleep } from './stats.js';

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
}

export interface Job {
  metadata: { name: string; labels?: Record<string, string> };
  status?: JobStatus;
}

export interface ApiResponse<T> {
  status: number;
  body: T | null;
  ms: number;
  /** Set when no HTTP answer came (connection refused, timeout). */
  error?: string;
}

export interface KjobClient {
  readonly baseUrl: string;
  readonly namespace: string;
  request<T>(method: string, path: string, body?: unknown, contentType?: string, timeoutMs?: number): Promise<ApiResponse<T>>;
  jobsPath(name?: string): string;
}

export function kjobClient(baseUrl: string, namespace: string): KjobClient {
  const client: KjobClient = {
    baseUrl,
    namespace,
    jobsPath: (name) => `/apis/batch/v1/namespaces/${namespace}/jobs${name ? `/${name}` : ''}`,
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 60_000) {
      const t0 = performance.now();
      try {
        const res = await fetch(baseUrl + path, {
          method,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: body === undefined ? {} : { 'content-type': contentType },
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        let parsed: T | null = null;
        try {
          parsed = text ? (JSON.parse(text) as T) : null;
        } catch {
          // Not JSON (e.g. a proxy's error page): the status code says enough.
        }
        return { status: res.status, body: parsed, ms: performance.now() - t0 };
      } catch (err) {
        return { status: 0, body: null, ms: performance.now() - t0, error: errorName(err) };
      }
    },
  };
  return client;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string }; message?: string };
  return e.cause?.code ?? e.name ?? String(e.message ?? err);
}

export interface JobShape {
  completions: number;
  parallelism: number;
  command: string[];
  indexed?: boolean;
  labels?: Record<string, string>;
}

/** A batch/v1 Job that fails on the first pod failure (backoffLimit 0), so any miscount shows. */
export function jobManifest(name: string, shape: JobShape): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: shape.labels ?? {} },
    spec: {
      ...(shape.indexed ? { completionMode: 'Indexed' } : {}),
      completions: shape.completions,
      parallelism: shape.parallelism,
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'none', command: shape.command }] } },
    },
  };
}

/** 'Complete' or 'Failed' once the Job has finished, else null. */
export function finishedCondition(job: Job | null): { type: 'Complete' | 'Failed'; reason: string | null } | null {
  for (const c of job?.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return { type: c.type, reason: c.reason ?? null };
  }
  return null;
}

export async function createJob(client: KjobClient, name: string, shape: JobShape): Promise<ApiResponse<Job>> {
  return client.request<Job>('POST', client.jobsPath(), jobManifest(name, shape));
}

/** Creates a Job, retrying what a busy server may answer (503, no answer); 4xx are final. */
export async function createJobRetrying(client: KjobClient, name: string, shape: JobShape, attempts = 5): Promise<{ res: ApiResponse<Job>; retries: number }> {
  for (let retries = 0; ; retries++) {
    const res = await createJob(client, name, shape);
    const transient = res.status === 0 || res.status >= 500;
    // A retried create whose first attempt did land answers 409: the Job exists, which is what we wanted.
    if (retries > 0 && res.status === 409) return { res: { ...res, status: 201 }, retries };
    if (!transient || retries + 1 >= attempts) return { res, retries };
    await sleep(500 * (retries + 1));
  }
}

export interface WaitResult {
  outcome: 'Complete' | 'Failed' | 'timeout' | 'aborted';
  reason: string | null;
  job: Job | null;
  /** performance.now() when the finished Job was first seen. */
  seenAt: number;
  polls: number;
  /** Polls answered with something other than 200. */
  pollErrors: number;
}

export interface WaitOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Returns a reason to stop waiting (kjob's process died), or null. */
  abort?: () => string | null;
}

/** Polls GET on the Job (one request in flight at a time) until it is Complete or Failed. */
export async function waitForJob(client: KjobClient, name: string, options: WaitOptions): Promise<WaitResult> {
  const deadline = performance.now() + options.timeoutMs;
  let polls = 0;
  let pollErrors = 0;
  let last: Job | null = null;
  for (;;) {
    const res = await client.request<Job>('GET', client.jobsPath(name));
    polls++;
    if (res.status === 200) last = res.body;
    else pollErrors++;
    const done = res.status === 200 ? finishedCondition(res.body) : null;
    if (done) return { outcome: done.type, reason: done.reason, job: res.body, seenAt: performance.now(), polls, pollErrors };
    const aborted = options.abort?.() ?? null;
    if (aborted !== null) return { outcome: 'aborted', reason: aborted, job: last, seenAt: performance.now(), polls, pollErrors };
    if (performance.now() > deadline) return { outcome: 'timeout', reason: null, job: last, seenAt: performance.now(), polls, pollErrors };
    await sleep(options.intervalMs);
  }
}

/** Status counts as reported (absent counts are 0, as kubectl shows them). */
export function counts(job: Job | null): { succeeded: number; failed: number; active: number } {
  return { succeeded: job?.status?.succeeded ?? 0, failed: job?.status?.failed ?? 0, active: job?.status?.active ?? 0 };
}
