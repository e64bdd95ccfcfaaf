/**
 * Records the histories replayed by test/replay/replay.test.ts: runs a set of finished multi-pod
 * Jobs on a throwaway dev server and a real worker, and writes the event history of each Job's
 * workflow (and, since wave 2, of each of its pod shards: `<name>-pods-<k>.json`) as JSON to
 * test/replay/histories/. Re-run after a deliberate, patched() workflow change to
 * ADD new histories (keep the old ones: they prove old runs still replay).
 *
 *   npx tsx scripts/record-histories.ts [prefix]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { jobSettingsFrom } from '../src/config.js';
import { PROJECT_ROOT } from '../src/temporal/cli-binary.js';
import { JOB_MEMO, JOB_WORKFLOW_TYPE, deleteJobUpdate, deletePodUpdate, jobQuery, podsQuery, resumeSignal, suspendSignal, workflowIdFor } from '../src/workflows/definitions.js';
import { startThrowawayStack } from './throwaway-stack.js';
import { manifest, storedJob } from '../test/support/jobs.js';

const prefix = process.argv[2] ?? 'v1';
const out = path.join(PROJECT_ROOT, 'test/replay/histories');

async function main(): Promise<void> {
  const stack = await startThrowawayStack('record', {
    backoffBaseSeconds: 0.05,
    backoffMaxSeconds: 1,
    restartBackoffMaxSeconds: 0.2,
    podHeartbeatTimeoutSeconds: 3,
  });
  const { client, config, binary } = stack;
  const server = { address: stack.address };

  const scenarios: Array<{ name: string; raw: ReturnType<typeof manifest>; during?: (id: string) => Promise<void>; continueAsNewAfterEvents?: number }> = [
    { name: 'parallel-complete', raw: manifest('parallel-complete', 'echo ok', { completions: 4, parallelism: 2 }) },
    { name: 'backoff-failed', raw: manifest('backoff-failed', 'exit 1', { backoffLimit: 2 }) },
    { name: 'indexed-complete', raw: manifest('indexed-complete', 'echo $JOB_COMPLETION_INDEX', { completionMode: 'Indexed', completions: 3, parallelism: 3 }) },
    { name: 'onfailure-restarts', raw: manifest('onfailure-restarts', 'n=$(cat r 2>/dev/null || echo 0); echo $((n+1)) > r; [ $n -ge 1 ]', { backoffLimit: 3 }, { restartPolicy: 'OnFailure' }) },
    {
      name: 'suspend-resume',
      raw: manifest('suspend-resume', 'sleep 0.5', { completions: 2, parallelism: 2 }),
      during: async (id) => {
        const h = client.workflow.getHandle(id);
        await h.signal(suspendSignal);
        await h.signal(resumeSignal);
      },
    },
    {
      name: 'pod-deleted',
      raw: manifest('pod-deleted', 'sleep 30', { completions: 1, backoffLimit: 1 }, { terminationGracePeriodSeconds: 1 }),
      during: async (id) => {
        const h = client.workflow.getHandle(id);
        const running = async () => (await h.query(podsQuery)).items.find((p) => p.status.phase === 'Running');
        for (let pod = await running(); ; pod = await running()) {
          if (pod) {
            await h.executeUpdate(deletePodUpdate, { args: [{ podName: pod.metadata.name ?? '', gracePeriodSeconds: 0 }] });
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        const next = async () => (await h.query(podsQuery)).items.find((p) => p.status.phase === 'Running');
        for (let pod = await next(); ; pod = await next()) {
          if (pod) return void (await h.signal(suspendSignal), await h.signal(resumeSignal));
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    },
    { name: 'sharded-continue-as-new', raw: manifest('sharded-continue-as-new', 'sleep 0.3', { completionMode: 'Indexed', completions: 8, parallelism: 4 }), continueAsNewAfterEvents: 40 },
  ];

  for (const s of scenarios) {
    const job = storedJob(s.raw);
    const id = workflowIdFor('default', job.metadata.name);
    const handle = await client.workflow.start(JOB_WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [{ job, settings: { ...jobSettingsFrom(config), podsPerShard: 2 }, ...(s.continueAsNewAfterEvents ? { continueAsNewAfterEvents: s.continueAsNewAfterEvents } : {}) }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    if (s.during) await s.during(id);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const j = await handle.query(jobQuery);
      if ((j.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`${s.name} did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const shards = ((await handle.describe()).memo?.[JOB_MEMO.shards] as string[] | undefined) ?? [];
    // Delete so the runs close and the recorded histories are complete.
    await handle.executeUpdate(deleteJobUpdate, { args: [{ propagationPolicy: 'Background' }] });
    await handle.result().catch(() => undefined); // a failed Job's run fails
    const record = (workflowId: string, name: string) => {
      // The CLI writes the canonical JSON form that Worker.runReplayHistory reads.
      const json = execFileSync(binary, ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
      }).toString();
      const events = (JSON.parse(json) as { events: unknown[] }).events.length;
      const file = path.join(out, `${prefix}-${name}.json`);
      writeFileSync(file, json.endsWith('\n') ? json : json + '\n');
      console.log(`recorded ${file} (${events} events)`);
    };
    record(id, s.name);
    // The Job publishes its own pods first (its id), then its pod shards `<id>/pods-<k>`.
    for (const shard of shards) if (shard !== id) record(shard, `${s.name}-${shard.slice(id.length + 1)}`);
  }

  await stack.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
