/**
 * Bundles kjob's workflows (src/workflows) with the Temporal SDK's webpack step and writes the code
 * to the path given: `node --import tsx src/temporal/bundle-main.ts <out.js>`. A worker runs this
 * as a short-lived child process (see workflow-bundle.ts), so webpack's memory is never its own.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './workflows-path.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: bundle-main.ts <out.js>');
  process.exit(2);
}
const quiet = () => undefined;
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, log: quiet, error: (m) => console.error(m) },
});
await writeFile(out, code);
