/**
 * Where a pod attempt's files live under the data directory, and the checks that keep every path
 * inside it:
 *
 * ```
 * <dataDir>/pods/<namespace>/<jobUid>/<podName>/work                          working directory
 * <dataDir>/pods/<namespace>/<jobUid>/<podName>/outcome.json                  the pod's terminal outcome
 * <dataDir>/pods/<namespace>/<jobUid>/<podName>/logs/<container>/<n>.log      CRI-format log of run n
 * <dataDir>/pods/<namespace>/<jobUid>/<podName>/logs/<container>/<n>.done     run n has finished
 * ```
 *
 * Every component comes from user input at some point (manifests, URLs), so each one must match the
 * shape Kubernetes itself allows for it (DNS label, DNS subdomain, UUID) before it touches a path;
 * none of those shapes can contain `/` or be `.`/`..`.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';

/** A path component that does not have the shape Kubernetes allows for it. */
export class InvalidPathComponentError extends Error {
  constructor(
    readonly component: string,
    readonly value: string,
    detail: string,
  ) {
    super(`invalid ${component} ${JSON.stringify(value)}: ${detail}`);
    this.name = 'InvalidPathComponentError';
  }
}

// apimachinery validation.IsDNS1123Label / IsDNS1123Subdomain.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Object uids are RFC 4122 UUIDs (apimachinery util/uuid), as the workflow's uuid4() makes them.
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function check(component: string, value: unknown, ok: boolean, detail: string): string {
  if (typeof value !== 'string' || !ok) throw new InvalidPathComponentError(component, String(value), detail);
  return value;
}

export function validNamespace(value: string): string {
  const ok = typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
  return check('namespace', value, ok, 'must be a DNS-1123 label');
}

export function validJobUid(value: string): string {
  return check('job uid', value, typeof value === 'string' && UUID.test(value), 'must be a UUID');
}

export function validPodName(value: string): string {
  const ok = typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
  return check('pod name', value, ok, 'must be a DNS-1123 subdomain');
}

export function validContainerName(value: string): string {
  const ok = typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
  return check('container name', value, ok, 'must be a DNS-1123 label');
}

export function validRestartCount(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidPathComponentError('restart count', String(value), 'must be a whole number');
  }
  return value;
}

export interface PodRef {
  dataDir: string;
  namespace: string;
  jobUid: string;
  podName: string;
}

/** `<dataDir>/pods/<namespace>/<jobUid>`: everything of one Job. */
export function jobPodsDir(dataDir: string, namespace: string, jobUid: string): string {
  return path.join(path.resolve(dataDir), 'pods', validNamespace(namespace), validJobUid(jobUid));
}

export function podDir(ref: PodRef): string {
  return path.join(jobPodsDir(ref.dataDir, ref.namespace, ref.jobUid), validPodName(ref.podName));
}

export function podWorkDir(ref: PodRef): string {
  return path.join(podDir(ref), 'work');
}

/** Where the worker records the pod's terminal outcome (see pod-outcome.ts). */
export function podOutcomeFile(ref: PodRef): string {
  return path.join(podDir(ref), 'outcome.json');
}

export function containerLogDir(ref: PodRef, container: string): string {
  return path.join(podDir(ref), 'logs', validContainerName(container));
}

export function containerLogFile(ref: PodRef, container: string, restartCount: number): string {
  return path.join(containerLogDir(ref, container), `${validRestartCount(restartCount)}.log`);
}

/** Sidecar written when run `restartCount` of the container has exited and its log is complete. */
export function containerDoneFile(ref: PodRef, container: string, restartCount: number): string {
  return path.join(containerLogDir(ref, container), `${validRestartCount(restartCount)}.done`);
}

/**
 * Resolves a container's `workingDir` against the pod's work directory: relative paths stay inside
 * it (null when they would escape), absolute paths are used as they are (a cluster would resolve
 * them inside the image's root file system; here the host's is the only one).
 */
export function resolveWorkingDir(workDir: string, workingDir: string | undefined): string | null {
  if (workingDir === undefined || workingDir === '') return workDir;
  if (path.isAbsolute(workingDir)) return path.normalize(workingDir);
  const resolved = path.resolve(workDir, workingDir);
  if (resolved !== workDir && !resolved.startsWith(workDir + path.sep)) return null;
  return resolved;
}

/** Deletes the working directories and logs of all pods of a Job. Idempotent. */
export async function removeJobPodData(dataDir: string, namespace: string, jobUid: string): Promise<void> {
  await rm(jobPodsDir(dataDir, namespace, jobUid), { recursive: true, force: true });
}
