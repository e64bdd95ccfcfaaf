/**
 * Builders for the spec tests: a valid manifest (as a user would POST it) that each case edits
 * to show only its smoking gun, and the create pipeline the API runs on it.
 */
import { decodeJob } from '../../src/k8s/decode.js';
import { prepareForCreate } from '../../src/k8s/job-strategy.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import type { StoredJob } from '../../src/k8s/types.js';
import { validateJob } from '../../src/k8s/validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/** The uid Kubernetes' validation tests use for their valid Jobs. */
export const UID = '1a2b3c';

/** A valid `batch/v1` Job manifest named `myjob` with one container `abc`. */
export function aManifest(): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'myjob' },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'abc', image: 'busybox', command: ['sh', '-c', 'exit 0'] }],
        },
      },
    },
  };
}

/** Decodes, defaults and finalizes like POST does; throws on decode errors (a test bug). */
export function storedFrom(m: Manifest, namespace = 'default'): StoredJob {
  const decoded = decodeJob(m);
  if (!decoded.job || decoded.errors.length > 0) {
    throw new Error(`fixture does not decode: ${decoded.kindError ?? decoded.errors.map(formatFieldError).join('; ')}`);
  }
  return prepareForCreate(decoded.job, { namespace, uid: UID, now: '2026-01-02T03:04:05.678Z', randomSuffix: 'xyz42' });
}

/** The formatted create errors of a manifest after `edit`. */
export function createErrors(edit: (m: Manifest) => void): string[] {
  const m = aManifest();
  edit(m);
  return validateJob(storedFrom(m)).map(formatFieldError);
}

/** The manifest's pod template spec, for terse edits. */
export function pod(m: Manifest): Manifest {
  return m.spec.template.spec;
}

export function container(m: Manifest, i = 0): Manifest {
  return m.spec.template.spec.containers[i];
}
