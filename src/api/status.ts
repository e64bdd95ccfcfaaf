/**
 * HTTP errors as Kubernetes `Status` objects, made in one place. Routes and the gateway throw
 * `ApiError` subclasses; `errorMiddleware` renders `toStatus(err)`. Messages and reasons follow
 * k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewInvalid, …) so clients
 * that switch on `reason` or print `message` behave as against a cluster.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { invalidMessage, toStatusCause, type FieldError } from '../k8s/field-errors.js';

export interface StatusCause {
  /** The FieldError type (`FieldValueInvalid`, …); serialized as `reason` like metav1.StatusCause. */
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Expired';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** What a resource is called in errors: `jobs.batch "pi" not found`, `pods "pi-abcde" not found`. */
export interface Resource {
  group: string;
  /** Plural resource name as in the URL (`jobs`, `pods`). */
  resource: string;
}

export const JOBS: Resource = { group: 'batch', resource: 'jobs' };
export const CRONJOBS: Resource = { group: 'batch', resource: 'cronjobs' };
export const PODS: Resource = { group: '', resource: 'pods' };

function qualified(r: Resource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details: StatusDetails | undefined = undefined,
  ) {
    super(message);
    this.name = `ApiError(${reason})`;
  }
}

export class BadRequest extends ApiError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
  }
}

/** 410 Gone (`Expired`): a watch or continue token from a resourceVersion kjob can no longer serve; the client re-lists. */
export class Expired extends ApiError {
  constructor(message: string) {
    super(410, 'Expired', message);
  }
}

export class Unauthorized extends ApiError {
  constructor() {
    super(401, 'Unauthorized', 'Unauthorized');
  }
}

export class NotFound extends ApiError {
  constructor(resource: Resource, name: string) {
    super(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {
      name,
      ...(resource.group ? { group: resource.group } : {}),
      kind: resource.resource,
    });
  }
}

/** A path no route serves (Kubernetes answers these with a bare NotFound as well). */
export class RouteNotFound extends ApiError {
  constructor() {
    super(404, 'NotFound', 'the server could not find the requested resource');
  }
}

export class MethodNotAllowed extends ApiError {
  constructor() {
    super(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
}

export class AlreadyExists extends ApiError {
  constructor(resource: Resource, name: string, beingDeleted = false) {
    // registry/generic/registry/store.go: a create that collides with an object that has a
    // deletionTimestamp says so, because the name frees up once the deletion finishes.
    const msg = `${qualified(resource)} "${name}" already exists`;
    super(409, 'AlreadyExists', beingDeleted ? `object is being deleted: ${msg}` : msg, {
      name,
      ...(resource.group ? { group: resource.group } : {}),
      kind: resource.resource,
    });
  }
}

export class Conflict extends ApiError {
  constructor(resource: Resource, name: string, why: string) {
    super(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${why}`, {
      name,
      ...(resource.group ? { group: resource.group } : {}),
      kind: resource.resource,
    });
  }
}

export class RequestEntityTooLarge extends ApiError {
  constructor(limit: number) {
    super(413, 'RequestEntityTooLarge', `the server has received a request that is too large (limit ${limit} bytes)`);
  }
}

export class UnsupportedMediaType extends ApiError {
  constructor(contentType: string, accepted: readonly string[]) {
    super(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format (${contentType || 'no Content-Type'}) - accepted media types include: ${accepted.join(', ')}`,
    );
  }
}

/**
 * 422 Invalid, worded as apierrors.NewInvalid: `Job.batch "pi" is invalid: <one error>` or
 * `… is invalid: [<e1>, <e2>]`; one cause per field error (`reason` = its type).
 */
export class Invalid extends ApiError {
  constructor(kind: { group: string; kind: string }, name: string, errors: readonly FieldError[]) {
    super(422, 'Invalid', invalidMessage(kind.group ? `${kind.kind}.${kind.group}` : kind.kind, name, errors), {
      name,
      ...(kind.group ? { group: kind.group } : {}),
      kind: kind.kind,
      causes: errors.map(toStatusCause),
    });
  }
}

/** 422 for a Job: `Job.batch "pi" is invalid: …`. */
export function invalidJob(name: string, errors: readonly FieldError[]): Invalid {
  return new Invalid({ group: 'batch', kind: 'Job' }, name, errors);
}

/** 422 for a CronJob: `CronJob.batch "hello" is invalid: …`. */
export function invalidCronJob(name: string, errors: readonly FieldError[]): Invalid {
  return new Invalid({ group: 'batch', kind: 'CronJob' }, name, errors);
}

export class ServiceUnavailable extends ApiError {
  constructor(message: string) {
    super(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 });
  }
}

/**
 * kjob cannot work with the Temporal it is pointed at until someone fixes the setup (a namespace
 * that does not exist, search attributes kjob may not register). Still a 503 (the service is
 * unavailable, through no fault of the request), but without Retry-After: retrying will not help,
 * and client-go retries only answers that carry one. The message names the fix.
 */
export class Misconfigured extends ApiError {
  constructor(message: string) {
    super(503, 'ServiceUnavailable', message);
  }
}

/**
 * The node (kjob worker) that holds what was asked for does not answer: it has stopped or lost
 * Temporal. 503 without Retry-After: the node may never come back (a restarted worker is a new
 * node), as a kubelet that is gone.
 */
export class NodeUnavailable extends ApiError {
  constructor(message: string) {
    super(503, 'ServiceUnavailable', message);
  }
}

export class InternalError extends ApiError {
  constructor(requestId: string) {
    super(500, 'InternalError', `Internal error occurred: unexpected server error (request id ${requestId}); see the API log`);
  }
}

export function toStatus(err: ApiError): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  };
}

/** The `Status` a successful Background/Orphan DELETE returns (registry/rest/delete.go). */
export function successStatus(resource: Resource, name: string, uid: string | undefined): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.resource, ...(uid ? { uid } : {}) },
    code: 200,
  };
}

/** res.locals.requestId, set by `requestIdMiddleware`, names a request in logs and 500s. */
export const requestIdMiddleware: RequestHandler = (_req, res, next) => {
  res.locals.requestId = crypto.randomUUID().slice(0, 8);
  next();
};

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  // Four parameters: that is how Express recognises an error handler.
  return (err: unknown, req, res, _next) => {
    const requestId = String(res.locals.requestId ?? '-');
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else {
      log.error('unexpected error', { requestId, method: req.method, path: req.path, err });
      apiError = new InternalError(requestId);
    }
    if (apiError.code === 503) {
      log.warn('request failed', { requestId, method: req.method, path: req.path, code: apiError.code, reason: apiError.message });
    }
    if (res.headersSent) {
      // A streaming response (log follow) failed midway: all that is left is to end it.
      res.end();
      return;
    }
    // As the API server does, a retryable failure says when to retry (client-go honours it).
    if (apiError.details?.retryAfterSeconds !== undefined) res.set('Retry-After', String(apiError.details.retryAfterSeconds));
    // Set explicitly: a handler may have chosen text/plain before failing (the log endpoint), and
    // clients decode a Status only when it is labelled JSON (kubectl: "the server rejected our
    // request for an unknown reason" otherwise).
    res.status(apiError.code).type('application/json').send(JSON.stringify(toStatus(apiError)));
  };
}
