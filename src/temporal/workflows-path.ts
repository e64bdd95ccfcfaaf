import path from 'node:path';
import { PROJECT_ROOT } from './cli-binary.js';

/** The workflows' entry point, bundled for the worker's sandbox. */
export const WORKFLOWS_PATH = path.join(PROJECT_ROOT, 'src/workflows/index.ts');
