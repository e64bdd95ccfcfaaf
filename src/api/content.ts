/**
 * Request bodies: media types, the size limit (413) and UTF-8 (400). kjob reads bodies itself
 * instead of express.json() so that the media type decides the parser (JSON or YAML manifests,
 * the three PATCH flavours) and so that one limit and one error shape apply to all of them.
 */
import type { Request } from 'express';
import { BadRequest, RequestEntityTooLarge, UnsupportedMediaType } from './status.js';

export type ManifestFormat = 'json' | 'yaml';
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

/** Media types accepted for a Job manifest (POST). YAML has several names in the wild. */
export const MANIFEST_MEDIA_TYPES: Readonly<Record<string, ManifestFormat>> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'text/yaml': 'yaml',
  'text/x-yaml': 'yaml',
};

/** Media types accepted for PATCH, as the Kubernetes API server names them (types.PatchType). */
export const PATCH_MEDIA_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

/** PATCH media types of resources without server-side apply (CronJobs): the three client-side ones. */
export const CLIENT_PATCH_MEDIA_TYPES: Readonly<Record<string, Exclude<PatchType, 'apply'>>> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/** The request's media type, lower-cased, without parameters (`; charset=utf-8`). */
export function mediaTypeOf(req: Request): string {
  const raw = req.headers['content-type'] ?? '';
  return raw.split(';')[0]!.trim().toLowerCase();
}

/** Looks the request's media type up in `accepted`, or throws 415 listing what is accepted. */
export function requireMediaType<T>(req: Request, accepted: Readonly<Record<string, T>>): T {
  const type = mediaTypeOf(req);
  const found = Object.hasOwn(accepted, type) ? accepted[type] : undefined;
  if (found === undefined) throw new UnsupportedMediaType(type, Object.keys(accepted));
  return found;
}

/** True when the request carries a body (a DELETE usually does not). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the whole body as UTF-8 text. Past `limit` bytes it stops keeping data but drains the
 * rest before answering 413, so the client always gets to read the Status (closing the socket
 * mid-upload makes most clients report a broken pipe instead).
 */
export async function readBody(req: Request, limit: number): Promise<string> {
  const bytes = await readBytes(req, limit);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadRequest('the request body is not valid UTF-8');
  }
}

/** Reads the whole body as bytes (protobuf bodies), with the same limit and errors as readBody. */
export async function readBytes(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > limit;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (tooLarge) continue;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        continue;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    // The client went away mid-upload: a client error, not a server one.
    throw new BadRequest(`the request body could not be read: ${(err as Error).message}`);
  }
  if (tooLarge) throw new RequestEntityTooLarge(limit);
  return Buffer.concat(chunks);
}

/**
 * The optional DeleteOptions body of a DELETE (kubectl sends one; curl usually none). JSON only,
 * as kubectl sends it; `{}` when there is no body.
 */
export async function readDeleteOptions(req: Request, limit: number): Promise<Record<string, unknown>> {
  if (!hasBody(req)) return {};
  requireMediaType(req, { 'application/json': 'json' });
  const text = await readBody(req, limit);
  if (text.trim() === '') return {};
  const body = parseJson(text, 'DeleteOptions');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the request body must be a DeleteOptions object');
  const kind = (body as { kind?: unknown }).kind;
  if (kind !== undefined && kind !== 'DeleteOptions') {
    throw new BadRequest(`the request body must be a DeleteOptions object, got kind ${JSON.stringify(kind)}`);
  }
  return body as Record<string, unknown>;
}

/**
 * Deepest nesting accepted in a JSON body. A Job manifest is about 15 levels deep (pass-through
 * objects add at most 32, see spec/decode.ts); anything far deeper is hostile, and would exhaust
 * the stack of the recursive patch and serialization code (a 500 instead of a 400).
 */
export const MAX_JSON_DEPTH = 100;

/** Nesting depth of a parsed JSON value, measured without recursion; stops past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses a JSON body, turning syntax errors and absurd nesting into 400. */
export function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`error decoding ${what}: ${(err as Error).message}`);
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw new BadRequest(`error decoding ${what}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}
