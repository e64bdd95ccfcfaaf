/**
 * A Kubernetes client library from npm (@kubernetes/client-node) against the real API and worker:
 * typed create/list/read/patch/delete of Jobs, pods and logs, and an informer (list + watch from
 * the list's resourceVersion) that sees every change once and survives a restart of the kjob API.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, uniqueName, type TestApi } from '../support/api-env.js';
import { poll } from '../support/poll.js';
import { startTestStack, type TestStack } from '../support/temporal-env.js';

const NS = 'client-node';
let stack: TestStack;
let api: TestApi;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startTestApi(stack);
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

function kubeConfig(server: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'kjob', server, skipTLSVerify: true }],
    users: [{ name: 'me' }],
    contexts: [{ name: 'kjob', cluster: 'kjob', user: 'me', namespace: NS }],
    currentContext: 'kjob',
  });
  return kc;
}

function job(name: string, options: { labels?: Record<string, string>; suspend?: boolean; command?: string[] } = {}): k8s.V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    spec: {
      ...(options.suspend !== undefined ? { suspend: options.suspend } : {}),
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: options.command ?? ['echo', 'hello'] }] } },
    },
  };
}

describe('@kubernetes/client-node against kjob', () => {
  it('when Jobs are created, listed, read, patched and deleted with BatchV1Api, then each call answers as a cluster would', async () => {
    const batch = kubeConfig(api.baseUrl).makeApiClient(k8s.BatchV1Api);
    const core = kubeConfig(api.baseUrl).makeApiClient(k8s.CoreV1Api);
    const label = uniqueName('typed');
    const name = uniqueName('typed');
    const created = await batch.createNamespacedJob({ namespace: NS, body: job(name, { labels: { run: label }, command: ['echo', 'typed client'] }) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.backoffLimit).toBe(6);

    const done = await poll(
      () => batch.readNamespacedJob({ namespace: NS, name }),
      (j) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'),
      { what: `Job ${name} Complete`, timeoutMs: 60_000 },
    );
    expect(done.status?.succeeded).toBe(1);
    const list = await batch.listNamespacedJob({ namespace: NS, labelSelector: `run=${label}` });
    expect(list.items.map((j) => j.metadata?.name)).toEqual([name]);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);

    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${name}` });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]!.status?.phase).toBe('Succeeded');
    expect(await core.readNamespacedPodLog({ namespace: NS, name: pods.items[0]!.metadata!.name! })).toBe('typed client\n');

    const patched = await batch.patchNamespacedJob(
      { namespace: NS, name, body: { metadata: { labels: { patched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels?.patched).toBe('yes');

    await batch.deleteNamespacedJob({ namespace: NS, name });
    await expect(batch.readNamespacedJob({ namespace: NS, name })).rejects.toMatchObject({ code: 404 });
  });

  it('when the kjob API restarts under an informer, then the informer re-lists and reports each add and delete once, with no duplicates', async () => {
    const label = uniqueName('inf');
    const selector = `informer=${label}`;
    const [a, b, c] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    // Suspended Jobs: nothing changes them, so an update event would be a duplicate.
    const writer = kubeConfig(api.baseUrl).makeApiClient(k8s.BatchV1Api);
    for (const name of [a, b]) await writer.createNamespacedJob({ namespace: NS, body: job(name, { labels: { informer: label }, suspend: true }) });
    const settled = () => writer.listNamespacedJob({ namespace: NS, labelSelector: selector });
    await poll(settled, (l) => l.items.length === 2 && l.items.every((j) => (j.status?.conditions ?? []).some((x) => x.type === 'Suspended')), { what: 'both Jobs Suspended' });

    const kc = kubeConfig(api.baseUrl);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const informer = k8s.makeInformer(kc, `/apis/batch/v1/namespaces/${NS}/jobs`, () => batch.listNamespacedJob({ namespace: NS, labelSelector: selector }), selector);
    const events: string[] = [];
    informer.on('add', (j) => events.push(`add ${j.metadata?.name}`));
    informer.on('update', (j) => events.push(`update ${j.metadata?.name}`));
    informer.on('delete', (j) => events.push(`delete ${j.metadata?.name}`));
    // client-node's informer stops on a connection error; restarting it is the documented pattern.
    let stopped = false;
    informer.on('error', () => {
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 200);
    });
    try {
      await informer.start();
      await poll(() => [...events].sort(), (e) => e.length === 2, { what: 'the informer adding both Jobs' });

      // The API goes away; meanwhile another API replica deletes b and creates c.
      const port = Number(new URL(api.baseUrl).port);
      await api.close();
      const replica = await startTestApi(stack);
      const other = kubeConfig(replica.baseUrl).makeApiClient(k8s.BatchV1Api);
      await other.deleteNamespacedJob({ namespace: NS, name: b });
      await other.createNamespacedJob({ namespace: NS, body: job(c, { labels: { informer: label }, suspend: true }) });
      await replica.close();
      api = await startTestApi(stack, { config: { port } });

      await poll(() => [...events], (e) => e.includes(`delete ${b}`) && e.includes(`add ${c}`), { what: 'the informer seeing the delete and the add', timeoutMs: 60_000 });
      // Whatever c's status did meanwhile, a and b were never reported twice.
      expect(events.filter((e) => e.endsWith(` ${a}`))).toEqual([`add ${a}`]);
      expect(events.filter((e) => e.endsWith(` ${b}`))).toEqual([`add ${b}`, `delete ${b}`]);
      expect(events.filter((e) => e === `add ${c}`)).toHaveLength(1);
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
