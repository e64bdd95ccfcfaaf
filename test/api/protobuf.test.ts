/**
 * Kubernetes protobuf request bodies (what `kubectl create job --image` sends): the envelope is
 * checked, the object decoded into the JSON shape the rest of the API validates.
 */
import { describe, expect, it } from 'vitest';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/api/protobuf.js';
import { ApiError } from '../../src/api/status.js';

const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'hello', labels: { app: 'x' } },
  spec: {
    parallelism: 0,
    suspend: false,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['echo', 'hi'], env: [{ name: 'A', value: '1' }] }] } },
  },
};

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.code : -1;
  }
  return undefined;
}

describe('decodeProtobufObject', () => {
  it('when a Job is encoded as kubectl does, then it decodes to the same JSON, pointer zeros kept', () => {
    expect(decodeProtobufObject(encodeProtobufObject(job), ['batch/v1/Job'])).toEqual(job);
  });

  it('when Go zero values of non-pointer fields are on the wire, then they are dropped as JSON omits them', () => {
    const body = encodeProtobufObject({ ...job, metadata: { name: 'hello', generation: 0, creationTimestamp: {}, namespace: '' } });
    expect(decodeProtobufObject(body, ['batch/v1/Job']).metadata).toEqual({ name: 'hello' });
  });

  it.each([
    { name: 'a body without the k8s magic', body: Buffer.from('{"kind":"Job"}') },
    { name: 'a truncated envelope', body: Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from([0x0a, 0x20, 0x01])]) },
    { name: 'a CronJob where a Job is expected', body: encodeProtobufObject({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' } }) },
  ])('when the body is $name, then 400', ({ body }) => {
    expect(statusOf(() => decodeProtobufObject(body, ['batch/v1/Job']))).toBe(400);
  });
});
