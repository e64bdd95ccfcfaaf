/**
 * `limit` and `continue` on lists (`kubectl get --chunk-size`, client libraries' paging). The
 * token is the API server's shape, base64 of `{"v":"meta.k8s.io/v1","rv":…,"start":…}`: the list's
 * resourceVersion and the key (`namespace/name`) to continue after. Items are in key order when a
 * list is paged, as in etcd. kjob has no snapshots, so later pages are read from the current state
 * (what the API server calls an inconsistent continuation); the pages keep the first page's
 * resourceVersion.
 */
import type { Request } from 'express';
import type { ObjectMeta } from '../k8s/types.js';
import { intParam, queryParam } from './params.js';
import { BadRequest } from './status.js';

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Token {
  v: string;
  rv: number;
  start: string;
}

const keyOf = (meta: ObjectMeta): string => `${meta.namespace ?? ''}/${meta.name ?? ''}`;

function decodeToken(raw: string): Token {
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new BadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const t = token as Partial<Token> | null;
  if (typeof t !== 'object' || t === null || t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || typeof t.rv !== 'number') {
    throw new BadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  return t as Token;
}

/** One page of `items` as `limit`/`continue` ask (all of them when neither is given). */
export function paginate<T extends { metadata: ObjectMeta }>(req: Request, items: readonly T[], resourceVersion: string): { items: T[]; metadata: ListMeta } {
  const limit = intParam(req, 'limit', 0) ?? 0;
  const raw = queryParam(req, 'continue');
  if (limit === 0 && (raw === undefined || raw === '')) return { items: [...items], metadata: { resourceVersion } };
  const token = raw ? decodeToken(raw) : null;
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  let rest = [...items].sort((a, b) => cmp(keyOf(a.metadata), keyOf(b.metadata)));
  if (token) rest = rest.filter((item) => keyOf(item.metadata) > token.start);
  const rv = token ? String(token.rv) : resourceVersion;
  if (limit === 0 || rest.length <= limit) return { items: rest, metadata: { resourceVersion: rv } };
  const page = rest.slice(0, limit);
  const next: Token = { v: 'meta.k8s.io/v1', rv: Number(rv), start: keyOf(page[page.length - 1]!.metadata) };
  return {
    items: page,
    metadata: { resourceVersion: rv, continue: Buffer.from(JSON.stringify(next)).toString('base64'), remainingItemCount: rest.length - limit },
  };
}
