import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { CronJobsGateway } from '../../src/api/cronjobs-gateway.js';
import type { JobsGateway } from '../../src/api/jobs-gateway.js';
import { openApiDocument, openApiGroupDocument, openApiIndex } from '../../src/api/openapi.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

/** Route enumeration needs an app, not Temporal: every gateway call fails loudly. */
/** CronJob routes are not under test here: every call fails loudly. */
const unusedCronJobs = new Proxy({} as CronJobsGateway, {
  get: (_t, prop) => () => {
    throw new Error(`cronJobs.${String(prop)} must not be called here`);
  },
});

const unusedGateway = new Proxy({} as JobsGateway, {
  get: (_t, prop) => () => {
    throw new Error(`gateway.${String(prop)} must not be called while listing routes`);
  },
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (METHOD path) the Express app serves, with `:param` turned into OpenAPI's `{param}`. */
function registeredRoutes(stack: Layer[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    } else if (layer.handle?.stack) {
      out.push(...registeredRoutes(layer.handle.stack));
    }
  }
  return out;
}

function documentedRoutes(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) {
      if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method)) out.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return out;
}

describe('GET /openapi/v3', () => {
  it('documents every route the app registers, and nothing it does not', () => {
    const app = createApp({ config: loadConfig({}), jobs: unusedGateway, cronJobs: unusedCronJobs, log: silentLogger });
    const registered = registeredRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const documented = documentedRoutes(openApiDocument()).sort();
    expect(registered.length).toBeGreaterThan(10);
    expect(registered).toEqual(documented);
  });

  it('names an operationId for every operation, each one distinct', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(doc.paths).flatMap((item) =>
      Object.entries(item)
        .filter(([k]) => k !== 'parameters')
        .map(([, op]) => op.operationId),
    );
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref to a schema of the document', () => {
    const doc = openApiDocument() as { components: { schemas: Record<string, unknown> } };
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r);
  });

  it('splits the document by group version so that every path is in exactly one indexed document', () => {
    const all = Object.keys((openApiDocument() as { paths: object }).paths).sort();
    const parts = Object.keys(openApiIndex().paths).flatMap((g) => Object.keys((openApiGroupDocument(g) as { paths: object }).paths));
    expect(parts.sort()).toEqual(all);
  });
});
