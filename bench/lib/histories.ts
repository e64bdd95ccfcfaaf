/**
 * History lengths of every workflow run kjob made in a window: all executions (open and closed)
 * started since a time, each run described by its runId (visibility's own historyLength may lag
 * for an open run). Reading histories is the only Temporal-level look at kjob the benchmark takes.
 */
import type { Client } from '@temporalio/client';
import { mapLimit } from './stats.js';

export interface HistoryStats {
  runs: number;
  openRuns: number;
  maxHistoryLength: number;
  /** The run with the longest history. */
  longest: { workflowId: string; runId: string; type: string } | null;
  /** Per workflow type: runs and longest history. */
  byType: Record<string, { runs: number; maxHistoryLength: number }>;
}

export async function historyStats(client: Client, options: { since: Date; excludeTypes: readonly string[] }): Promise<HistoryStats> {
  const runs: Array<{ workflowId: string; runId: string; type: string; open: boolean }> = [];
  for await (const info of client.workflow.list({ query: `StartTime >= '${options.since.toISOString()}'` })) {
    if (options.excludeTypes.includes(info.type)) continue;
    runs.push({ workflowId: info.workflowId, runId: info.runId, type: info.type, open: info.status.name === 'RUNNING' });
  }
  const lengths = await mapLimit(runs, 20, async (r) => (await client.workflow.getHandle(r.workflowId, r.runId).describe()).historyLength);
  const stats: HistoryStats = { runs: runs.length, openRuns: runs.filter((r) => r.open).length, maxHistoryLength: 0, longest: null, byType: {} };
  runs.forEach((r, i) => {
    const len = lengths[i]!;
    const t = (stats.byType[r.type] ??= { runs: 0, maxHistoryLength: 0 });
    t.runs++;
    t.maxHistoryLength = Math.max(t.maxHistoryLength, len);
    if (len > stats.maxHistoryLength) {
      stats.maxHistoryLength = len;
      stats.longest = { workflowId: r.workflowId, runId: r.runId, type: r.type };
    }
  });
  return stats;
}
