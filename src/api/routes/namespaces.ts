/**
 * Namespaces are implicit in kjob: every DNS-label namespace exists and is Active (a Job's
 * namespace is part of its workflow id, nothing more). `GET /api/v1/namespaces/{ns}` says so, as
 * kubectl asks after a NotFound in a namespace other than `default` to tell "no such Job" from
 * "no such namespace".
 */
import { Router } from 'express';
import { namespaceParam } from '../params.js';
import { methodNotAllowed } from './method-not-allowed.js';

export function namespacesRouter(): Router {
  const router = Router({ caseSensitive: true });
  router
    .route('/api/v1/namespaces/:namespace')
    .get((req, res) => {
      const name = namespaceParam(req);
      res.json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    })
    .all(methodNotAllowed);
  return router;
}
