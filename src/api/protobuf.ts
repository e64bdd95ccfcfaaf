/**
 * Kubernetes' protobuf wire format for the request bodies kubectl sends that way
 * (`application/vnd.kubernetes.protobuf`: `kubectl create job --image`, `kubectl create cronjob`,
 * their `--dry-run=server`): the `k8s\0` magic, then a `runtime.Unknown` envelope whose `raw`
 * holds the object. The messages below are the subset of k8s.io/api's generated.proto (field
 * numbers as published there) that a Job or CronJob manifest can carry in kjob; fields outside it
 * are skipped, as unknown fields are. The decoded object is plain JSON-shaped, and goes through
 * the same decoding and validation as a JSON body. Responses stay JSON: kubectl accepts both.
 */
import protobuf from 'protobufjs';
import { BadRequest } from './status.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const PROTO = `
syntax = "proto2";
package kjob;

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message Quantity { optional string string = 1; }
message OwnerReference { optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5; optional bool controller = 6; optional bool blockOwnerDeletion = 7; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7; optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }

message ObjectFieldSelector { optional string apiVersion = 1; optional string fieldPath = 2; }
message EnvVarSource { optional ObjectFieldSelector fieldRef = 1; }
message EnvVar { optional string name = 1; optional string value = 2; optional EnvVarSource valueFrom = 3; }
message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3; optional string protocol = 4; optional string hostIP = 5; }
message ResourceRequirements { map<string, Quantity> limits = 1; map<string, Quantity> requests = 2; }
message VolumeMount { optional string name = 1; optional bool readOnly = 2; optional string mountPath = 3; optional string subPath = 4; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4;
  optional string workingDir = 5; repeated ContainerPort ports = 6; repeated EnvVar env = 7; optional ResourceRequirements resources = 8;
  repeated VolumeMount volumeMounts = 9; optional string terminationMessagePath = 13; optional string imagePullPolicy = 14;
  optional bool stdin = 16; optional bool stdinOnce = 17; optional bool tty = 18; optional string terminationMessagePolicy = 20;
  optional string restartPolicy = 24;
}
message PodSpec {
  repeated Container containers = 2; optional string restartPolicy = 3; optional int64 terminationGracePeriodSeconds = 4;
  optional int64 activeDeadlineSeconds = 5; optional string dnsPolicy = 6; map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8; optional string serviceAccount = 9; optional string nodeName = 10;
  optional bool hostNetwork = 11; optional bool hostPID = 12; optional bool hostIPC = 13;
  optional string hostname = 16; optional string subdomain = 17; optional string schedulerName = 19;
  repeated Container initContainers = 20; optional string priorityClassName = 24;
}
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }

message PodFailurePolicyOnExitCodesRequirement { optional string containerName = 1; optional string operator = 2; repeated int32 values = 3; }
message PodFailurePolicyOnPodConditionsPattern { optional string type = 1; optional string status = 2; }
message PodFailurePolicyRule { optional string action = 1; optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2; repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3; }
message PodFailurePolicy { repeated PodFailurePolicyRule rules = 1; }
message SuccessPolicyRule { optional string succeededIndexes = 1; optional int32 succeededCount = 2; }
message SuccessPolicy { repeated SuccessPolicyRule rules = 1; }
message JobSpec {
  optional int32 parallelism = 1; optional int32 completions = 2; optional int64 activeDeadlineSeconds = 3;
  optional LabelSelector selector = 4; optional bool manualSelector = 5; optional PodTemplateSpec template = 6;
  optional int32 backoffLimit = 7; optional int32 ttlSecondsAfterFinished = 8; optional string completionMode = 9;
  optional bool suspend = 10; optional PodFailurePolicy podFailurePolicy = 11; optional int32 backoffLimitPerIndex = 12;
  optional int32 maxFailedIndexes = 13; optional string podReplacementPolicy = 14; optional string managedBy = 15;
  optional SuccessPolicy successPolicy = 16;
}
message Job { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
message JobTemplateSpec { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
message CronJobSpec {
  optional string schedule = 1; optional int64 startingDeadlineSeconds = 2; optional string concurrencyPolicy = 3;
  optional bool suspend = 4; optional JobTemplateSpec jobTemplate = 5; optional int32 successfulJobsHistoryLimit = 6;
  optional int32 failedJobsHistoryLimit = 7; optional string timeZone = 8;
}
message CronJob { optional ObjectMeta metadata = 1; optional CronJobSpec spec = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const UNKNOWN = root.lookupType('kjob.Unknown');
const KINDS: Readonly<Record<string, protobuf.Type>> = {
  'batch/v1/Job': root.lookupType('kjob.Job'),
  'batch/v1/CronJob': root.lookupType('kjob.CronJob'),
};

/**
 * Go marshals non-pointer fields even when they hold their zero value (`""`, `0`, `false`, an
 * empty struct); JSON would omit them (`omitempty`). These scalar fields are not pointers, so a
 * zero there means "not set". Pointer fields (parallelism, suspend, …) keep their zero.
 */
const NON_POINTER_SCALARS = new Set(['generation', 'stdin', 'stdinOnce', 'tty', 'hostNetwork', 'hostPID', 'hostIPC', 'hostPort', 'readOnly', 'controller']);

/** Plain JSON from a decoded message: Time → RFC 3339, Quantity → string, zero values of Go's non-pointer fields dropped. */
function toJson(value: unknown, type: protobuf.Type | null): unknown {
  if (Array.isArray(value)) return value.map((v) => toJson(v, type));
  if (typeof value !== 'object' || value === null) return value;
  if (type?.name === 'Time') {
    const t = value as { seconds?: number; nanos?: number };
    if (!t.seconds) return undefined;
    return new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (type?.name === 'Quantity') return (value as { string?: string }).string ?? '';
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type?.fields[key];
    const fieldType = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    const json = toJson(v, fieldType);
    if (json === undefined || json === '') continue;
    if (NON_POINTER_SCALARS.has(key) && (json === 0 || json === false)) continue;
    if (Array.isArray(json) && json.length === 0) continue;
    if (typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length === 0 && fieldType?.name !== 'EnvVarSource') {
      // Go marshals empty structs (resources: {}, metadata: {}); JSON omits them.
      continue;
    }
    out[key] = json;
  }
  return out;
}

/**
 * Decodes a protobuf request body into the object it carries (with apiVersion and kind from the
 * envelope). 400 for what is not Kubernetes protobuf; 415 is the caller's for a kind kjob does
 * not decode from protobuf.
 */
export function decodeProtobufObject(body: Uint8Array, accepted: readonly string[]): Record<string, unknown> {
  const bytes = Buffer.from(body);
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BadRequest('the protobuf body does not start with the Kubernetes magic number ("k8s\\x00")');
  }
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string };
  try {
    envelope = UNKNOWN.toObject(UNKNOWN.decode(bytes.subarray(MAGIC.length)), { longs: Number, bytes: Buffer }) as typeof envelope;
  } catch (err) {
    throw new BadRequest(`error decoding the protobuf envelope: ${(err as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const gvk = `${apiVersion}/${kind}`;
  if (!accepted.includes(gvk)) throw new BadRequest(`the protobuf body holds ${kind ? `a ${apiVersion} ${kind}` : 'an object of no kind'}; expected ${accepted.join(' or ')}`);
  if (envelope.contentEncoding) throw new BadRequest(`protobuf content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`);
  const type = KINDS[gvk]!;
  let message: Record<string, unknown>;
  try {
    message = type.toObject(type.decode(envelope.raw ?? Buffer.alloc(0)), { longs: Number, enums: String, bytes: String });
  } catch (err) {
    throw new BadRequest(`error decoding the protobuf ${kind}: ${(err as Error).message}`);
  }
  return { apiVersion, kind, ...(toJson(message, type) as Record<string, unknown>) };
}

/** Whether kjob decodes this kind from protobuf (Job and CronJob bodies). */
export function protobufKinds(): string[] {
  return Object.keys(KINDS);
}

/** Encodes an object as Kubernetes protobuf (for tests that send what kubectl sends). */
export function encodeProtobufObject(object: Record<string, unknown>): Buffer {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const type = KINDS[`${apiVersion}/${kind}`];
  if (!type) throw new Error(`kjob has no protobuf message for ${apiVersion} ${kind}`);
  const raw = type.encode(type.fromObject(object)).finish();
  const envelope = UNKNOWN.encode(UNKNOWN.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish();
  return Buffer.concat([MAGIC, envelope]);
}
