/**
 * The Express app: Kubernetes-shaped routes over the Jobs and CronJobs gateways. It never listens (server.ts
 * and tests do) and keeps no state of its own.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { CronJobsGateway } from './cronjobs-gateway.js';
import type { JobsGateway } from './jobs-gateway.js';
import { createApiMetrics } from './metrics.js';
import { OPENAPI_GROUPS, openApiGroupDocument, openApiIndex } from './openapi.js';
import { cronJobsRouter } from './routes/cronjobs.js';
import { discoveryRouter } from './routes/discovery.js';
import { eventsRouter } from './routes/events.js';
import { healthRouter } from './routes/health.js';
import { jobsRouter } from './routes/jobs.js';
import { methodNotAllowed } from './routes/method-not-allowed.js';
import { namespacesRouter } from './routes/namespaces.js';
import { podsRouter } from './routes/pods.js';
import { STARTED_RV, startedResourceVersion } from './watch.js';
import { errorMiddleware, requestIdMiddleware, RouteNotFound, Unauthorized } from './status.js';

export interface AppDeps {
  config: Config;
  jobs: JobsGateway;
  cronJobs: CronJobsGateway;
  log: Logger;
}

/** Paths that answer without a token: probes do not carry credentials. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

function bearerAuth(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    if (OPEN_PATHS.has(req.path)) return next();
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1]?.trim() ?? '');
    // Constant-time comparison, so response timing does not reveal the token.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Unauthorized();
    next();
  };
}

export function createApp({ config, jobs, cronJobs, log }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Kubernetes paths are case-sensitive (the routers are created the same way).
  app.set('case sensitive routing', true);
  // Watches from a resourceVersion older than this app answer 410 (watch.ts).
  app.locals[STARTED_RV] = startedResourceVersion();
  app.use(requestIdMiddleware);
  const metrics = createApiMetrics({ jobs, cronJobs, log });
  app.use(metrics.middleware);
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () => {
      log.debug('request', { requestId: res.locals.requestId, method: req.method, path: req.path, code: res.statusCode, ms: Date.now() - started });
    });
    next();
  });
  if (config.apiToken) app.use(bearerAuth(config.apiToken));

  const deps = { config, jobs };
  // Prometheus text format, from published state (api/metrics.ts); behind the token like the rest.
  app.route('/metrics').get(metrics.handler).all(methodNotAllowed);
  app.use(healthRouter(jobs));
  app.use(discoveryRouter());
  app.use(jobsRouter(deps));
  app.use(cronJobsRouter({ config, cronJobs }));
  app.use(podsRouter(deps));
  app.use(namespacesRouter());
  app.use(eventsRouter({ ...deps, cronJobs }));
  app
    .route('/openapi/v3')
    .get((_req, res) => {
      res.json(openApiIndex());
    })
    .all(methodNotAllowed);
  for (const group of Object.keys(OPENAPI_GROUPS)) {
    app
      .route(`/openapi/v3/${group}`)
      .get((_req, res) => {
        res.json(openApiGroupDocument(group));
      })
      .all(methodNotAllowed);
  }

  app.use(() => {
    throw new RouteNotFound();
  });
  app.use(errorMiddleware(log));
  return app;
}
