/**
 * A container's environment and command line as the kubelet builds them
 * (`pkg/kubelet/kubelet_pods.go` makeEnvironmentVariables, `pkg/kubelet/container/helpers.go`
 * ExpandContainerCommandAndArgs): `env` in order, `valueFrom.fieldRef` resolved through the
 * Downward API, `$(VAR)` references expanded with the forked Go expansion rules.
 */
import type { Container, EnvVar } from '../k8s/types.js';

/** What the Downward API can see of the pod. */
export interface DownwardPod {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeName: string;
  serviceAccountName: string;
  /** Pods share the worker's network: both IPs are the loopback address. */
  hostIP: string;
  podIP: string;
}

/** A `fieldRef` the Downward API cannot resolve (validation should have rejected it). */
export class FieldRefError extends Error {
  constructor(fieldPath: string) {
    super(`unsupported fieldPath: ${fieldPath}`);
    this.name = 'FieldRefError';
  }
}

/**
 * `$(VAR)` expansion, a transcription of `third_party/forked/golang/expansion/expand.go`: `$$`
 * is an escaped `$`, `$(NAME)` is replaced by `mapping(NAME)`, an unclosed `$(` and any other
 * `$x` are kept as written.
 */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 0) {
        out += mapping(rest.slice(1, close));
        advance = close + 1;
      } else {
        out += '$(';
      }
    } else {
      out += '$' + rest[0];
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** expansion.MappingFuncFor: the first map that has the name wins; unknown names stay `$(NAME)`. */
export function mappingFor(...contexts: Record<string, string>[]): (name: string) => string {
  return (name) => {
    for (const vars of contexts) {
      if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name] as string;
    }
    return `$(${name})`;
  };
}

// fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['key']`.
const SUBSCRIPTED = /^(metadata\.labels|metadata\.annotations)\['(.*)'\]$/;

/** podFieldSelectorRuntimeValue + fieldpath.ExtractFieldPathAsString for the env-var fields. */
export function resolveFieldRef(fieldPath: string, pod: DownwardPod): string {
  const sub = SUBSCRIPTED.exec(fieldPath);
  if (sub) {
    const map = sub[1] === 'metadata.labels' ? pod.labels : pod.annotations;
    return map[sub[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.podIP;
    default:
      throw new FieldRefError(fieldPath);
  }
}

/**
 * The container's declared variables, in order, each value expanded against the variables declared
 * before it (makeEnvironmentVariables builds `tmpEnv` as it goes). fieldRef values are not expanded.
 * A later declaration of a name replaces an earlier one.
 */
export function containerEnv(env: EnvVar[] | undefined, pod: DownwardPod): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const v of env ?? []) {
    if (v.valueFrom?.fieldRef) {
      declared[v.name] = resolveFieldRef(v.valueFrom.fieldRef.fieldPath, pod);
    } else {
      declared[v.name] = expand(v.value ?? '', mappingFor(declared));
    }
  }
  return declared;
}

export interface ContainerProcessSpec {
  /** command + args after `$(VAR)` expansion; empty when the container has no command. */
  argv: string[];
  /** The full environment of the process: base env overridden by the declared variables. */
  env: Record<string, string>;
}

/**
 * argv and env of one container. Only declared variables take part in `$(VAR)` expansion, as in
 * Kubernetes, where the image's own ENV (here: the base env) is invisible to the kubelet.
 */
export function containerProcess(
  container: Container,
  pod: DownwardPod,
  baseEnv: Record<string, string>,
): ContainerProcessSpec {
  const declared = containerEnv(container.env, pod);
  const mapping = mappingFor(declared);
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expand(a, mapping));
  return { argv, env: { ...baseEnv, ...declared } };
}
