/** The last handler of every known path: any method not routed above it is a 405. */
import type { RequestHandler } from 'express';
import { MethodNotAllowed } from '../status.js';

/**
 * RFC 9110 §15.5.6: a 405 response MUST carry an `Allow` header listing the methods the resource
 * supports. They are the methods of the route this handler ends (`.all()` is not one), plus HEAD,
 * which Express answers for every GET route.
 */
export const methodNotAllowed: RequestHandler = (req, res) => {
  const route = req.route as { methods?: Record<string, boolean> } | undefined;
  const methods = Object.entries(route?.methods ?? {})
    .filter(([method, on]) => on && method !== '_all')
    .map(([method]) => method.toUpperCase());
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  res.set('Allow', methods.join(', '));
  throw new MethodNotAllowed();
};
