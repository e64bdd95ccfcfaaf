import { describe, expect, it } from 'vitest';
import { invalid, notSupported, required } from '../../src/k8s/field-errors.js';
import {
  AlreadyExists,
  BadRequest,
  Invalid,
  invalidJob,
  JOBS,
  MethodNotAllowed,
  NotFound,
  PODS,
  RequestEntityTooLarge,
  successStatus,
  toStatus,
  Unauthorized,
  UnsupportedMediaType,
  type ApiError,
} from '../../src/api/status.js';

describe('toStatus', () => {
  const cases: Array<{ name: string; err: ApiError; code: number; reason: string; message: string }> = [
    { name: 'renders a missing Job as jobs.batch NotFound', err: new NotFound(JOBS, 'pi'), code: 404, reason: 'NotFound', message: 'jobs.batch "pi" not found' },
    { name: 'renders a missing pod without a group', err: new NotFound(PODS, 'pi-abcde'), code: 404, reason: 'NotFound', message: 'pods "pi-abcde" not found' },
    { name: 'renders a duplicate create as AlreadyExists', err: new AlreadyExists(JOBS, 'pi'), code: 409, reason: 'AlreadyExists', message: 'jobs.batch "pi" already exists' },
    {
      name: 'says when the existing Job is being deleted',
      err: new AlreadyExists(JOBS, 'pi', true),
      code: 409,
      reason: 'AlreadyExists',
      message: 'object is being deleted: jobs.batch "pi" already exists',
    },
    { name: 'renders BadRequest with its message', err: new BadRequest('nope'), code: 400, reason: 'BadRequest', message: 'nope' },
    { name: 'renders Unauthorized', err: new Unauthorized(), code: 401, reason: 'Unauthorized', message: 'Unauthorized' },
    {
      name: 'renders MethodNotAllowed with the API server text',
      err: new MethodNotAllowed(),
      code: 405,
      reason: 'MethodNotAllowed',
      message: 'the server does not allow this method on the requested resource',
    },
    {
      name: 'renders RequestEntityTooLarge',
      err: new RequestEntityTooLarge(1024),
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'the server has received a request that is too large (limit 1024 bytes)',
    },
    {
      name: 'lists the accepted media types on 415',
      err: new UnsupportedMediaType('text/plain', ['application/json', 'application/yaml']),
      code: 415,
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format (text/plain) - accepted media types include: application/json, application/yaml',
    },
  ];

  it.each(cases)('$name', ({ err, code, reason, message }) => {
    const s = toStatus(err);
    expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });
  });

  it('when there is one field error, then the Invalid message shows it without brackets', () => {
    const s = toStatus(invalidJob('pi', [invalid('spec.completions', -1, 'must be greater than or equal to 0')]));
    expect(s.code).toBe(422);
    expect(s.reason).toBe('Invalid');
    expect(s.message).toBe('Job.batch "pi" is invalid: spec.completions: Invalid value: -1: must be greater than or equal to 0');
    expect(s.details).toEqual({
      name: 'pi',
      group: 'batch',
      kind: 'Job',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.completions' }],
    });
  });

  it('when there are several field errors, then the Invalid message brackets them and keeps one cause each', () => {
    const s = toStatus(
      invalidJob('pi', [
        invalid('spec.completions', -1, 'must be greater than or equal to 0'),
        notSupported('spec.template.spec.restartPolicy', 'Always', ['OnFailure', 'Never']),
      ]),
    );
    expect(s.message).toBe(
      'Job.batch "pi" is invalid: [spec.completions: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"]',
    );
    expect(s.details?.causes?.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueInvalid', 'spec.completions'],
      ['FieldValueNotSupported', 'spec.template.spec.restartPolicy'],
    ]);
  });

  it('when the kind has no group, then the qualified kind is the bare kind', () => {
    const s = toStatus(new Invalid({ group: '', kind: 'DeleteOptions' }, '', [required('propagationPolicy')]));
    expect(s.message).toBe('DeleteOptions "" is invalid: propagationPolicy: Required value');
    expect(s.details).not.toHaveProperty('group');
  });

  it('renders a successful delete as a Success Status naming the Job and its uid', () => {
    expect(successStatus(JOBS, 'pi', 'u-1')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'pi', group: 'batch', kind: 'jobs', uid: 'u-1' },
      code: 200,
    });
  });
});
