// Lint keeps the architecture honest: import boundaries between layers (STYLE.md), no Node or
// non-workflow Temporal packages in deterministic code, process.env only in src/config.ts, and no
// floating promises, no import cycles, type-only imports marked as such.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm',
  'worker_threads', 'zlib',
];
const nodeImports = [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.kjob/**', 'coverage/**', 'scripts/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // A cycle means two modules are one concept split wrongly (or a type in the wrong home).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts (loadConfig).' }],
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'eslint.config.mjs', 'vitest.config.ts', 'vitest.cluster.config.ts', 'worker.ts', 'kjob.ts', 'src/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['src/k8s/**/*.ts'],
    ignores: ['src/k8s/parse.ts'],
    rules: restrict(['../*', ...nodeImports, '@temporalio/*', 'express', 'yaml'], 'k8s/ is pure: it imports nothing outside k8s/.'),
  },
  {
    files: ['src/controller/**/*.ts'],
    rules: restrict(
      ['../activities/*', '../api/*', '../workflows/*', '../temporal/*', '../storage/*', '../config*', '../log*', ...nodeImports, '@temporalio/*', 'express', 'yaml', '../k8s/parse*'],
      'controller/ is pure and deterministic: only controller/ and k8s/ (no parse.ts).',
    ),
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      ...restrict(
        ['../api/*', '../temporal/*', '../storage/*', '../config*', '../log*', ...nodeImports, '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'express', 'yaml', '../k8s/parse*'],
        'workflows/ is deterministic: @temporalio/workflow, controller/, k8s/ and `import type` of activities only.',
      ),
    },
  },
  {
    files: ['src/activities/**/*.{ts,js}', 'src/storage/**/*.{ts,js}'],
    rules: restrict(['../api/*', '../workflows/job*', '../workflows/effects*', '../controller/*', '@temporalio/workflow', 'express'], 'activities/ run pods; they do not decide.'),
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../workflows/*', '../../workflows/*', '!../workflows/definitions*', '!../../workflows/definitions*', '../activities/*', '../../activities/*'],
              message: 'api/ talks to workflows only through workflows/definitions.ts and the gateway.',
            },
            {
              // The API renders what workflows publish with the controller's own renderer.
              group: ['../controller/*', '../../controller/*', '!../controller/render*', '!../../controller/render*'],
              allowTypeImports: true,
              message: 'api/ uses the controller only to render published records (controller/render.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript preloaded into child processes (no TypeScript loader there): no type info.
    files: ['src/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false }, globals: { process: 'readonly' } },
  },
);
