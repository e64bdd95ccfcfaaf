/**
 * kjob's own set-up in Temporal: the namespace must exist, and kjob's search attributes
 * (workflows/definitions.ts SEARCH_ATTRIBUTES) must be registered in it. The API and the worker
 * register the missing attributes themselves at start (operatorService.addSearchAttributes, which
 * the dev server and self-hosted clusters allow); where the server refuses, the problem says how
 * to do it by hand. A misconfiguration is reported as a message naming the fix, never as
 * "Temporal is unavailable".
 */
import type { Connection } from '@temporalio/client';
import type { Logger } from '../log.js';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';

/** temporal.api.enums.v1.IndexedValueType of the key types kjob uses. */
const INDEXED_VALUE_TYPE: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };
/** The same types as `temporal operator search-attribute create --type` spells them. */
const CLI_TYPE: Record<string, string> = { TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
const CLI_TYPE_OF_CODE: Record<number, string> = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPE).map(([k, v]) => [v, CLI_TYPE[k] ?? k]));

// gRPC status codes.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

export interface SetupProblem {
  kind: 'namespace' | 'searchAttributes';
  /** What is wrong and the command that fixes it. */
  message: string;
}

export interface SetupResult {
  problem: SetupProblem | null;
  /** Search attributes this call registered. */
  registered: string[];
}

export interface SetupTarget {
  connection: Connection;
  namespace: string;
  /** The frontend address, for the commands the messages give. */
  address: string;
  /** Deadline of each call (default 5 s). */
  timeoutMs?: number;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** UNAVAILABLE or DEADLINE_EXCEEDED: Temporal did not answer, so nothing is known about its set-up. */
function unreachable(err: unknown): boolean {
  const code = grpcCode(err);
  return code === 14 || code === 4 || code === undefined;
}

function grpcDetails(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown } | null;
  return String(e?.details || e?.message || err);
}

export function namespaceMissing(namespace: string, address: string): SetupProblem {
  return {
    kind: 'namespace',
    message: `Temporal namespace "${namespace}" does not exist at ${address}: create it with \`temporal operator namespace create --namespace ${namespace} --address ${address}\` (or set TEMPORAL_NAMESPACE to one that exists)`,
  };
}

/** The `temporal operator search-attribute create` commands that register `names` (one per type). */
export function searchAttributeCommands(names: readonly string[], namespace: string, address: string): string[] {
  const byType = new Map<string, string[]>();
  for (const key of SEARCH_ATTRIBUTES) {
    if (!names.includes(key.name)) continue;
    byType.set(key.type, [...(byType.get(key.type) ?? []), key.name]);
  }
  return [...byType].map(
    ([type, keys]) =>
      `temporal operator search-attribute create --namespace ${namespace} --address ${address} ${keys.map((k) => `--name ${k}`).join(' ')} --type ${CLI_TYPE[type] ?? type}`,
  );
}

/**
 * Checks the namespace and registers kjob's missing search attributes. Resolves with the problem
 * found (null when all is well); rejects only when Temporal could not be asked (unreachable).
 */
export async function ensureSearchAttributes(target: SetupTarget): Promise<SetupResult> {
  const { connection, namespace, address } = target;
  const within = <T>(fn: () => Promise<T>) => connection.withDeadline(Date.now() + (target.timeoutMs ?? 5_000), fn);

  try {
    await within(() => connection.workflowService.describeNamespace({ namespace }));
  } catch (err) {
    if (grpcCode(err) === NOT_FOUND) return { problem: namespaceMissing(namespace, address), registered: [] };
    if (unreachable(err)) throw err;
    // Not allowed to describe it (some clouds): the calls that need it will tell.
  }

  let existing: Record<string, number>;
  try {
    const res = await within(() => connection.operatorService.listSearchAttributes({ namespace }));
    existing = { ...(res.systemAttributes ?? {}), ...(res.customAttributes ?? {}) } as Record<string, number>;
  } catch (err) {
    // Some servers do not let a client read the operator API (Temporal Cloud); then the first
    // start or list that needs the attributes says whether they are there.
    if (grpcCode(err) === NOT_FOUND) return { problem: namespaceMissing(namespace, address), registered: [] };
    if (unreachable(err)) throw err;
    return { problem: null, registered: [] };
  }

  const wrongType = SEARCH_ATTRIBUTES.filter((k) => existing[k.name] !== undefined && existing[k.name] !== INDEXED_VALUE_TYPE[k.type]);
  if (wrongType.length > 0) {
    const list = wrongType.map((k) => `${k.name} is ${CLI_TYPE_OF_CODE[existing[k.name]!] ?? existing[k.name]} but kjob needs ${CLI_TYPE[k.type]}`).join('; ');
    return {
      problem: {
        kind: 'searchAttributes',
        message: `search attributes of Temporal namespace "${namespace}" have the wrong type (${list}): remove them (\`temporal operator search-attribute remove --namespace ${namespace} --address ${address} --name …\`) and start kjob again, or use another namespace`,
      },
      registered: [],
    };
  }

  const missing = SEARCH_ATTRIBUTES.filter((k) => existing[k.name] === undefined);
  if (missing.length === 0) return { problem: null, registered: [] };
  try {
    await within(() =>
      connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]!])),
      }),
    );
  } catch (err) {
    // Another kjob process registered them at the same moment.
    if (grpcCode(err) === ALREADY_EXISTS) return { problem: null, registered: [] };
    if (unreachable(err)) throw err;
    const names = missing.map((k) => k.name);
    return {
      problem: {
        kind: 'searchAttributes',
        message: `kjob's search attributes ${names.join(', ')} are missing in Temporal namespace "${namespace}" and Temporal refused to register them (${grpcDetails(err)}): register them with ${searchAttributeCommands(names, namespace, address)
          .map((c) => `\`${c}\``)
          .join(' and ')}`,
      },
      registered: [],
    };
  }
  return { problem: null, registered: missing.map((k) => k.name) };
}

/** How long a found misconfiguration is believed before asking Temporal again. */
const PROBLEM_TTL_MS = 5_000;

export interface TemporalSetup {
  /** The misconfiguration, or null; checks (and registers) once, then remembers a good answer. */
  check(): Promise<SetupProblem | null>;
  /** Forgets a good answer and checks again (a call just failed as if misconfigured). */
  recheck(): Promise<SetupResult>;
}

/** Checks on demand, shares one check between concurrent callers, logs what it found or did. */
export function createTemporalSetup(target: SetupTarget & { log: Logger }): TemporalSetup {
  let good = false;
  let problem: { value: SetupProblem; until: number } | null = null;
  let inFlight: Promise<SetupResult> | null = null;

  const run = (): Promise<SetupResult> => {
    inFlight ??= ensureSearchAttributes(target)
      .then((result) => {
        if (result.registered.length > 0) {
          target.log.info('registered kjob search attributes in Temporal', { namespace: target.namespace, searchAttributes: result.registered });
        }
        if (result.problem) {
          if (problem === null) target.log.warn(result.problem.message, { namespace: target.namespace });
          problem = { value: result.problem, until: Date.now() + PROBLEM_TTL_MS };
          good = false;
        } else {
          problem = null;
          good = true;
        }
        return result;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return {
    async check() {
      if (good) return null;
      if (problem && problem.until > Date.now()) return problem.value;
      return (await run()).problem;
    },
    recheck() {
      good = false;
      problem = null;
      return run();
    },
  };
}

/**
 * At a process's start (API, worker): check and register, and log what was found or done. A
 * namespace that does not exist is returned for the caller to refuse to start; search attributes
 * Temporal refuses to register are logged with the commands that register them by hand.
 */
export async function setUpTemporal(target: SetupTarget & { log: Logger }): Promise<SetupResult> {
  const result = await ensureSearchAttributes(target);
  if (result.registered.length > 0) target.log.info('registered kjob search attributes in Temporal', { namespace: target.namespace, searchAttributes: result.registered });
  if (result.problem) target.log.warn(result.problem.message, { namespace: target.namespace });
  return result;
}
