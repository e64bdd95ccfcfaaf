/**
 * The workflow bundle is built from src/workflows exactly as a worker builds it: a transitive
 * import of a Node module, the yaml parser or a non-workflow Temporal package fails here, in CI,
 * instead of crash-looping a worker at start.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../src/temporal/worker.js';

describe('workflow bundle', () => {
  it('bundles src/workflows with no Node, yaml or client code pulled in', async () => {
    const warnings: string[] = [];
    const bundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: {
        trace() {},
        debug() {},
        info() {},
        log() {},
        warn: (m) => warnings.push(String(m)),
        error: (m) => warnings.push(String(m)),
      },
    });
    expect(warnings).toEqual([]);
    expect(bundle.code.length).toBeGreaterThan(1000);
    for (const forbidden of ['node_modules/express/', 'node_modules/yaml/', '@temporalio/client/lib', '@temporalio/worker/lib', 'child_process', 'require("fs")']) {
      expect(bundle.code, `bundle must not contain ${forbidden}`).not.toContain(forbidden);
    }
  });

  it('refuses workflow code that imports a Node built-in', async () => {
    await expect(
      bundleWorkflowCode({
        workflowsPath: new URL('./fixtures/bad-workflow.ts', import.meta.url).pathname,
        logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} },
      }),
    ).rejects.toThrow();
  });
});
