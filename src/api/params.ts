/**
 * Path and query parameters: names checked before they reach a workflow id or a file path, query
 * values parsed with Kubernetes' messages, Warning headers formatted as the API server does.
 */
import type { Request, Response } from 'express';
import { BadRequest, NotFound, type Resource } from './status.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

function pathParam(req: Request, key: string): string {
  const v = (req.params as Record<string, string | undefined>)[key];
  if (v === undefined) throw new Error(`route has no :${key} parameter`);
  return v;
}

/**
 * The namespace of the path. Namespaces are DNS-1123 labels (ValidateNamespaceName); one that is
 * not cannot hold anything, so reads answer NotFound, while a create says why (400).
 */
export function namespaceParam(req: Request, forCreate = false): string {
  const ns = pathParam(req, 'namespace');
  if (isDnsLabel(ns)) return ns;
  if (forCreate) {
    throw new BadRequest(
      `invalid namespace ${JSON.stringify(ns)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
    );
  }
  throw new NotFound({ group: '', resource: 'namespaces' }, ns);
}

/** An object name of the path; a name no object can have is simply not found. */
export function nameParam(req: Request, resource: Resource, key = 'name'): string {
  const name = pathParam(req, key);
  if (!isDnsSubdomain(name)) throw new NotFound(resource, name);
  return name;
}

/** A query parameter; the first value when repeated (as Go's url.Values.Get). */
export function queryParam(req: Request, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  if (typeof v !== 'string') throw new BadRequest(`invalid query parameter ${key}`);
  return v;
}

export function intParam(req: Request, key: string, min: number): number | undefined {
  const raw = queryParam(req, key);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new BadRequest(`invalid ${key} ${JSON.stringify(raw)}: must be an integer`);
  const n = Number(raw);
  if (n < min) throw new BadRequest(`invalid ${key} ${JSON.stringify(raw)}: must be greater than or equal to ${min}`);
  // Kubernetes parses these as int64; past 2^53 JavaScript cannot hold them exactly.
  if (!Number.isSafeInteger(n)) throw new BadRequest(`invalid ${key} ${JSON.stringify(raw)}: must be at most ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

export function boolParam(req: Request, key: string): boolean {
  const raw = queryParam(req, key);
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new BadRequest(`invalid ${key} ${JSON.stringify(raw)}: must be true or false`);
}

/** `dryRun=All` (the only value Kubernetes accepts); absent = a real request. */
export function dryRunParam(req: Request): boolean {
  const raw = queryParam(req, 'dryRun');
  if (raw === undefined || raw === '') return false;
  if (raw === 'All') return true;
  throw new BadRequest(`invalid dryRun value ${JSON.stringify(raw)}: supported values: "All"`);
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** `fieldValidation` decides what an unknown field does: 400 (Strict), a Warning (default) or nothing. */
export function fieldValidationParam(req: Request): FieldValidation {
  const raw = queryParam(req, 'fieldValidation');
  if (raw === undefined || raw === '') return 'Warn';
  if (raw === 'Strict' || raw === 'Warn' || raw === 'Ignore') return raw;
  throw new BadRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(raw)}`);
}

/**
 * Adds `Warning: 299 - "<text>"` headers (RFC 7234 warn-code 299, as the API server's
 * warning.AddWarning). Quotes and backslashes are escaped; non-ASCII is \u-escaped because header
 * values must be Latin-1.
 */
export function addWarnings(res: Response, warnings: readonly string[]): void {
  for (const w of warnings) {
    const text = w.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    res.append('Warning', `299 - "${text}"`);
  }
}
