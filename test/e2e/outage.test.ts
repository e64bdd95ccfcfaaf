/**
 * Exact outcomes across a Temporal outage (issue: "a 20 s Temporal outage makes Jobs whose pods
 * exited 0 end Failed"): a real dev server is SIGKILLed while pods run, stays down longer than the
 * pods' heartbeat timeout, and comes back on the same database. The pods exit 0 during the outage;
 * their results cannot be delivered and their heartbeats time out when Temporal returns. The shards
 * must then ask the pods' node instead of declaring them lost, so every Job completes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { jobSettingsFrom, loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import type { JobStatus } from '../../src/k8s/types.js';
import { findTemporalBinary } from '../../src/temporal/cli-binary.js';
import { connectClient } from '../../src/temporal/connection.js';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { JOB_MEMO, JOB_WORKFLOW_TYPE, workflowIdFor } from '../../src/workflows/definitions.js';
import { manifest, storedJob } from '../support/jobs.js';
import { poll } from '../support/poll.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function spawnWorker(address: string, taskQueue: string, dataDir: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: address, KJOB_TASK_QUEUE: taskQueue, KJOB_DATA_DIR: dataDir, KJOB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
  return child;
}

async function statusOf(client: Client, name: string): Promise<JobStatus> {
  const memo = (await client.workflow.getHandle(workflowIdFor('default', name)).describe()).memo ?? {};
  return (memo[JOB_MEMO.status] ?? {}) as JobStatus;
}

describe('a Temporal outage mid-run', () => {
  it('when Temporal is SIGKILLed and restarted while pods exit 0, then every backoffLimit 0 Job completes with failed 0', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kjob-outage-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const binary = await findTemporalBinary({ cliPath: process.env.TEMPORAL_CLI_PATH ?? null, envPath: process.env.PATH });
    const port = await freePort();
    const serverOptions = { binary, dataDir, port, uiPort: null, namespace: 'default', log: silentLogger };
    let server: DevServer = await startDevServer(serverOptions);
    cleanups.push(() => server.stop());
    const taskQueue = `kjob-outage-${randomUUID().slice(0, 8)}`;
    const config = Object.freeze({ ...loadConfig({}), temporalAddress: server.address, taskQueue, podHeartbeatTimeoutSeconds: 3, backoffBaseSeconds: 0.05 });
    spawnWorker(server.address, taskQueue, path.join(dataDir, 'worker'));
    const { client, close } = await connectClient(config, server.address);
    cleanups.push(close);

    const names = Array.from({ length: 6 }, (_, i) => `outage-${i}-${randomUUID().slice(0, 4)}`);
    for (const [i, name] of names.entries()) {
      // The pods outlive the kill and exit 0 while Temporal is down.
      const job = storedJob(manifest(name, `sleep ${3 + (i % 3)}`, { backoffLimit: 0 }));
      await client.workflow.start(JOB_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: workflowIdFor('default', name),
        args: [{ job, settings: jobSettingsFrom(config) }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    }
    for (const name of names) await poll(() => statusOf(client, name), (s) => s.ready === 1, { what: `${name} running`, timeoutMs: 60_000 });

    // Down for longer than the heartbeat timeout (3 s): the pods finish meanwhile.
    process.kill(-server.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 10_000));
    server = await startDevServer(serverOptions);

    for (const name of names) {
      const status = await poll(
        () => statusOf(client, name).catch(() => ({}) as JobStatus),
        (s) => (s.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'),
        { what: `${name} finished`, timeoutMs: 120_000 },
      );
      expect({ name, succeeded: status.succeeded, failed: status.failed, conditions: status.conditions?.map((c) => c.type) }).toEqual({
        name,
        succeeded: 1,
        failed: 0,
        conditions: ['SuccessCriteriaMet', 'Complete'],
      });
    }
  });
});
