/**
 * Liveness and readiness. /healthz answers as long as the process serves HTTP; /readyz also needs
 * Temporal to answer and a kjob worker to poll the task queue, since without one no Job makes
 * progress. Neither needs the API token (probes carry none).
 */
import { Router } from 'express';
import type { JobsGateway } from '../jobs-gateway.js';
import { ServiceUnavailable, toStatus } from '../status.js';
import { methodNotAllowed } from './method-not-allowed.js';

export function healthRouter(jobs: JobsGateway): Router {
  const router = Router({ caseSensitive: true });
  router
    .route('/healthz')
    .get((_req, res) => {
      res.type('text/plain').send('ok');
    })
    .all(methodNotAllowed);
  router
    .route('/readyz')
    .get(async (_req, res) => {
      const ready = await jobs.readiness();
      if (ready.temporal && ready.workers) {
        res.type('text/plain').send('ok');
        return;
      }
      res.status(503).json(toStatus(new ServiceUnavailable(ready.message)));
    })
    .all(methodNotAllowed);
  return router;
}
