/**
 * `npm run kjob -- <command>`: a small client for the kjob API, for the terminal. It speaks the
 * same HTTP API as curl and kubectl; its `watch` shows a Job's progress until it finishes and
 * exits 0 for Complete, 1 for Failed (so scripts can wait on a Job).
 *
 *   kjob create -f examples/pi.yaml [-n NS] [--watch]
 *   kjob get [jobs] [NAME] [-n NS]     a line per Job (or one Job)
 *   kjob get pods [JOB] [-n NS]        a line per pod (of one Job)
 *   kjob watch NAME [-n NS]            progress lines until Complete/Failed
 *   kjob logs POD|job/NAME [-c CONTAINER] [-f] [-n NS]
 *   kjob suspend|resume NAME [-n NS]
 *   kjob delete NAME [-n NS]
 *
 * The server is --server URL, else http://KJOB_HOST:KJOB_PORT; KJOB_API_TOKEN is sent if set.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from './config.js';
import type { Job, JobCondition, Pod } from './k8s/types.js';

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const FLAGS_WITH_VALUE = new Set(['-f', '--filename', '-n', '--namespace', '-c', '--container', '--server', '--interval']);

export function parseArgs(argv: string[]): Args {
  const [command = 'help', ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a.startsWith('-')) {
      const [key, inline] = a.split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags.set(key, inline);
      // As in kubectl, -f is the file for create but "follow" for logs.
      else if (FLAGS_WITH_VALUE.has(key) && !(command === 'logs' && key === '-f')) {
        const value = rest[++i];
        if (value === undefined) throw new CliError(`${key} needs a value`);
        flags.set(key, value);
      } else flags.set(key, true);
    } else positional.push(a);
  }
  return { command, positional, flags };
}

export class CliError extends Error {}

function flag(args: Args, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = args.flags.get(n);
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function has(args: Args, ...names: string[]): boolean {
  return names.some((n) => args.flags.has(n));
}

/** The condition that ends a Job, if it has one. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** One progress line: `pi  1/1 succeeded  0 active  0 failed  Complete (CompletionsReached)`. */
export function progressLine(job: Job): string {
  const s = job.status ?? {};
  const done = s.succeeded ?? 0;
  const want = job.spec.completions ?? null;
  const parts = [
    job.metadata.name ?? '',
    want === null ? `${done} succeeded` : `${done}/${want} succeeded`,
    `${s.active ?? 0} active`,
    `${s.failed ?? 0} failed`,
  ];
  if (s.terminating) parts.push(`${s.terminating} terminating`);
  if (s.failedIndexes) parts.push(`failed indexes ${s.failedIndexes}`);
  const next = job.metadata.annotations?.['kjob.dev/next-attempt-time'];
  if (next && !finishedCondition(job)) parts.push(`next attempt at ${next}`);
  const suspended = (s.conditions ?? []).find((c) => c.type === 'Suspended' && c.status === 'True');
  const finished = finishedCondition(job);
  if (finished) parts.push(`${finished.type} (${finished.reason ?? ''})`);
  else if (suspended) parts.push('Suspended');
  else if (s.startTime) parts.push('Running');
  else parts.push('Pending');
  return parts.join('  ');
}

/** One pod line: `pi-x7k2b  Succeeded  exit 0  0 restarts  node 123@host`. */
export function podLine(pod: Pod): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  const exits = statuses.map((s) => s.state?.terminated?.exitCode).filter((c): c is number => c !== undefined);
  const parts = [pod.metadata.name ?? '', pod.status?.phase ?? 'Unknown'];
  if (exits.length > 0) parts.push(`exit ${exits.join(',')}`);
  parts.push(`${restarts} restart${restarts === 1 ? '' : 's'}`);
  if (pod.spec.nodeName) parts.push(`node ${pod.spec.nodeName}`);
  return parts.join('  ');
}

/**
 * The pod `kjob logs job/NAME` reads, as kubectl picks one: a running pod first, else the newest.
 */
export function logPod(pods: readonly Pod[]): Pod | undefined {
  const running = pods.filter((p) => p.status?.phase === 'Running');
  const pick = running.length > 0 ? running : [...pods];
  return pick.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
}

async function request(base: string, token: string | null, method: string, path: string, body?: string, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType) headers['content-type'] = contentType;
  try {
    return await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  } catch (err) {
    throw new CliError(`cannot reach the kjob API at ${base}: ${(err as Error).message}`);
  }
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${res.status}: ${text.slice(0, 500)}`);
  }
  if (!res.ok) {
    const st = parsed as { message?: string; reason?: string };
    throw new CliError(`${st.reason ?? res.status}: ${st.message ?? text.slice(0, 500)}`);
  }
  return parsed as T;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
}

export async function run(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const config = loadConfig(env);
  const base = (flag(args, '--server') ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
  const token = config.apiToken;
  const ns = flag(args, '-n', '--namespace') ?? 'default';
  const jobs = `/apis/batch/v1/namespaces/${encodeURIComponent(ns)}/jobs`;
  // `get jobs NAME` and `get pods JOB` read like kubectl's; `get NAME` stays a Job.
  const resource = args.command === 'get' && ['pods', 'pod', 'po', 'jobs', 'job'].includes(args.positional[0] ?? '') ? args.positional.shift() : undefined;
  const name = args.positional[0];
  const pods = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
  const need = (what: string) => {
    if (!name) throw new CliError(`kjob ${args.command} needs ${what}`);
    return encodeURIComponent(name);
  };
  const interval = Number(flag(args, '--interval') ?? 500);

  const watch = async (jobName: string): Promise<number> => {
    let last = '';
    for (;;) {
      const job = await json<Job>(await request(base, token, 'GET', `${jobs}/${encodeURIComponent(jobName)}`));
      const line = progressLine(job);
      if (line !== last) io.out(line);
      last = line;
      const finished = finishedCondition(job);
      if (finished) {
        if (finished.type === 'Failed' && finished.message) io.err(finished.message);
        return finished.type === 'Complete' ? 0 : 1;
      }
      await io.sleep(interval);
    }
  };

  switch (args.command) {
    case 'create': {
      const file = flag(args, '-f', '--filename');
      if (!file) throw new CliError('kjob create needs -f FILE (YAML or JSON)');
      const body = readFileSync(file, 'utf8');
      const type = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
      const job = await json<Job>(await request(base, token, 'POST', jobs, body, type));
      io.out(`job.batch/${job.metadata.name} created`);
      return has(args, '--watch', '-w') ? watch(job.metadata.name as string) : 0;
    }
    case 'get': {
      if (resource?.startsWith('po')) {
        const selector = name ? `?labelSelector=${encodeURIComponent(`job-name=${name}`)}` : '';
        const list = (await json<{ items: Pod[] }>(await request(base, token, 'GET', `${pods}${selector}`))).items;
        if (list.length === 0) io.out(name ? `No pods of Job ${name} in namespace ${ns}.` : `No pods in namespace ${ns}.`);
        for (const pod of list) io.out(podLine(pod));
        return 0;
      }
      const list = name ? [await json<Job>(await request(base, token, 'GET', `${jobs}/${need('a Job name')}`))] : (await json<{ items: Job[] }>(await request(base, token, 'GET', jobs))).items;
      if (list.length === 0) io.out(`No Jobs in namespace ${ns}.`);
      for (const job of list) io.out(progressLine(job));
      return 0;
    }
    case 'watch':
      return watch(decodeURIComponent(need('a Job name')));
    case 'logs': {
      const q = new URLSearchParams();
      const c = flag(args, '-c', '--container');
      if (c) q.set('container', c);
      if (has(args, '-f', '--follow')) q.set('follow', 'true');
      let podName = decodeURIComponent(need('a pod name or job/NAME'));
      if (podName.startsWith('pod/')) podName = podName.slice('pod/'.length);
      else if (podName.startsWith('job/') || podName.startsWith('jobs/')) {
        const jobName = podName.slice(podName.indexOf('/') + 1);
        await json<Job>(await request(base, token, 'GET', `${jobs}/${encodeURIComponent(jobName)}`));
        const list = (await json<{ items: Pod[] }>(await request(base, token, 'GET', `${pods}?labelSelector=${encodeURIComponent(`job-name=${jobName}`)}`))).items;
        const pod = logPod(list);
        if (!pod) throw new CliError(`Job ${jobName} has no pods yet`);
        podName = pod.metadata.name ?? '';
        if (list.length > 1) io.err(`Found ${list.length} pods, using pod/${podName}`);
      }
      const res = await request(base, token, 'GET', `${pods}/${encodeURIComponent(podName)}/log?${q}`);
      if (!res.ok) await json(res);
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body ?? []) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) io.out(l);
      }
      if (pending) io.out(pending);
      return 0;
    }
    case 'suspend':
    case 'resume': {
      const body = JSON.stringify({ spec: { suspend: args.command === 'suspend' } });
      const job = await json<Job>(await request(base, token, 'PATCH', `${jobs}/${need('a Job name')}`, body, 'application/merge-patch+json'));
      io.out(`job.batch/${job.metadata.name} ${args.command === 'suspend' ? 'suspended' : 'resumed'}`);
      return 0;
    }
    case 'delete': {
      await json(await request(base, token, 'DELETE', `${jobs}/${need('a Job name')}`));
      io.out(`job.batch "${name}" deleted`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      io.out(
        'usage: kjob create -f FILE [--watch] | get [jobs] [NAME] | get pods [JOB] | watch NAME | logs POD|job/NAME [-c C] [-f] | suspend NAME | resume NAME | delete NAME  [-n NAMESPACE] [--server URL]',
      );
      return 0;
    default:
      throw new CliError(`unknown command "${args.command}" (kjob help)`);
  }
}
