/**
 * What the Temporal UI shows about Jobs and their pods, so a person can tell what a workflow is
 * and how it stands without reading JSON: one-line summaries (workflow and activity `summary`) and
 * Markdown details (`setCurrentDetails`, shown on the workflow's page). Pure text from the
 * controller's records.
 */
import { jobPhase, nextAttemptTime, type JobState, type PodRecord } from '../controller/index.js';
import type { StoredJob } from '../k8s/types.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Text shown as is in the UI's Markdown (which draws tables without cell spacing, so details use
 * lists): Markdown's special characters escaped, one line.
 */
const markdownText = (text: string) => text.replace(/([\\`*_[\]<>|#])/g, '\\$1').replace(/\s*\n\s*/g, ' ');

/** The Job workflow's static summary (one line in the UI): what the Job is. */
export function jobSummary(job: StoredJob): string {
  const { spec, metadata } = job;
  const mode = spec.completionMode === 'Indexed' ? 'Indexed' : 'NonIndexed';
  const completions = spec.completions === null || spec.completions === undefined ? 'work queue (no completions)' : `completions ${spec.completions}`;
  return `Job ${metadata.namespace}/${metadata.name} · ${mode} · ${completions} · parallelism ${spec.parallelism}`;
}

/** The Job workflow's static details (Markdown): the spec fields that decide how it runs, as created. */
export function jobStaticDetails(job: StoredJob): string {
  const { spec, metadata } = job;
  const rows: Array<[string, string]> = [
    ['kind', 'Job (batch/v1)'],
    ['name', `${metadata.namespace}/${metadata.name}`],
    ['uid', metadata.uid],
    ['completionMode', spec.completionMode],
    ['completions', spec.completions === null || spec.completions === undefined ? 'unset (work queue)' : String(spec.completions)],
    ['parallelism', String(spec.parallelism)],
    ['backoffLimit', String(spec.backoffLimit)],
  ];
  if (spec.backoffLimitPerIndex !== undefined) rows.push(['backoffLimitPerIndex', String(spec.backoffLimitPerIndex)]);
  if (spec.activeDeadlineSeconds !== undefined) rows.push(['activeDeadlineSeconds', String(spec.activeDeadlineSeconds)]);
  if (spec.suspend) rows.push(['suspend', 'true (at creation)']);
  const labels = Object.entries(metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) rows.push(['labels', labels.join(', ')]);
  for (const c of spec.template.spec.containers) rows.push([`container ${c.name}`, [...(c.command ?? []), ...(c.args ?? [])].join(' ').slice(0, 200)]);
  return ['Spec as created (the live Job: current details, or `GET` on the kjob API):', '', ...rows.map(([k, v]) => `- ${k}: ${markdownText(v)}`)].join('\n');
}

/** A pod shard's static summary. */
export function shardSummary(jobWorkflowId: string, shard: number): string {
  return `Pods of Job ${jobWorkflowId} (shard ${shard})`;
}

/** The phase word the UI leads with: the condition that decides, or what the Job is doing. */
function phaseOf(state: JobState): string {
  const trueCondition = (type: string) => state.conditions.find((c) => c.type === type && c.status === 'True');
  if (state.deletion) return `**Deleted** (${state.deletion.propagationPolicy})`;
  for (const type of ['Complete', 'Failed'] as const) {
    const c = trueCondition(type);
    if (c) return `**${type}** (${c.reason})`;
  }
  for (const type of ['SuccessCriteriaMet', 'FailureTarget'] as const) {
    const c = trueCondition(type);
    if (c) return `**Finishing** (${type}: ${c.reason})`;
  }
  if (state.job.spec.suspend) return '**Suspended**';
  // As the KjobPhase search attribute: Pending until a pod has started.
  return jobPhase(state) === 'Pending' ? '**Pending**' : '**Running**';
}

/**
 * The Job workflow's current details: phase, counts, conditions, next attempt, recent events, and
 * the pods the Job runs itself.
 */
export function jobDetails(state: JobState, ownPods: readonly PodRecord[] = []): string {
  const active = state.pods.filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion === null).length;
  const terminating = state.pods.filter((p) => (p.phase === 'Pending' || p.phase === 'Running') && p.deletion !== null).length;
  const completions = state.job.spec.completions;
  const succeeded = state.job.spec.completionMode === 'Indexed' ? state.completedIndexes || 'none' : String(state.succeeded);
  const lines = [
    `${phaseOf(state)} — ${completions === null || completions === undefined ? `${state.succeeded} succeeded` : `succeeded ${state.succeeded}/${completions}`} · ${active} active · ${terminating} terminating · ${state.failed} failed`,
  ];
  if (state.job.spec.completionMode === 'Indexed') lines.push(`completed indexes: ${succeeded}${state.failedIndexes ? ` · failed indexes: ${state.failedIndexes}` : ''}`);
  const next = nextAttemptTime(state);
  if (next !== null) lines.push(`next pod attempt after backoff: ${iso(next)}`);
  if (state.conditions.length > 0) {
    lines.push('', '**Conditions**', '');
    for (const c of state.conditions) lines.push(`- ${c.type}=${c.status} · ${c.reason} · since ${iso(c.lastTransitionTime)}`);
  }
  const recent = state.events.slice(-5);
  if (recent.length > 0) {
    lines.push('', '**Recent events**', '');
    for (const e of recent) lines.push(`- ${e.type} ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''}: ${markdownText(e.message)}`);
  }
  if (ownPods.length > 0) lines.push('', shardDetails(ownPods));
  return lines.join('\n');
}

/** A pod attempt activity's summary: which pod it runs. */
export function podSummary(pod: PodRecord): string {
  const attempt = pod.indexFailureCount === null ? '' : ` · attempt ${pod.indexFailureCount + (pod.indexIgnoredFailureCount ?? 0) + 1}`;
  return `pod ${pod.name}${pod.index === null ? '' : ` · index ${pod.index}${attempt}`}`;
}

/** How a pod ended (or stands), in a few words: `Succeeded (exit 0)`, `Failed (exit 1)`, `Running on 12@host`. */
export function podOutcome(pod: PodRecord): string {
  const exits = pod.containerStatuses.map((c) => c.state.terminated?.exitCode).filter((x): x is number => x !== undefined);
  const exit = exits.length > 0 ? ` (exit ${exits.join(', ')})` : '';
  const lost = pod.conditions.find((c) => c.type === 'DisruptionTarget');
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return `${pod.phase}${exit}${lost ? ` — ${lost.reason}` : ''}${pod.reason ? ` — ${pod.reason}` : ''}`;
  const deleting = pod.deletion ? ' (terminating)' : '';
  return pod.nodeName ? `${pod.phase} on ${pod.nodeName}${deleting}` : `${pod.phase}${deleting}`;
}

/** A shard's current details: its pods and how each stands or ended (newest 50). */
export function shardDetails(pods: readonly PodRecord[]): string {
  const live = pods.filter((p) => p.phase === 'Pending' || p.phase === 'Running').length;
  const lines = [`**Pods: ${live} running** · ${pods.length - live} finished (kept)`, ''];
  for (const p of pods.slice(-50)) lines.push(`- ${p.name}${p.index === null ? '' : ` · index ${p.index}`} · ${markdownText(podOutcome(p))}`);
  return lines.join('\n');
}
