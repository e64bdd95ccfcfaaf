/** The last handler of every known path: any method not routed above it is a 405. */
import type { RequestHandler } from 'express';
import { MethodNotAllowed } from '../status.js';

export const methodNotAllowed: RequestHandler = () => {
  throw new MethodNotAllowed();
};
