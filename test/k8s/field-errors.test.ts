import { describe, expect, it } from 'vitest';
import {
  duplicate,
  fieldErrorBody,
  forbidden,
  formatFieldError,
  goQuote,
  invalid,
  invalidMessage,
  invalidOmitValue,
  notSupported,
  path,
  required,
  toStatusCause,
  tooLong,
  tooMany,
  typeInvalid,
  type FieldError,
} from '../../src/k8s/field-errors.js';

describe('field paths', () => {
  const cases = [
    { name: 'renders children joined with dots', p: path('spec').child('completions'), want: 'spec.completions' },
    { name: 'renders several children given at once', p: path('spec', 'template', 'spec'), want: 'spec.template.spec' },
    {
      name: 'renders list indexes in brackets',
      p: path('spec').child('template', 'spec').child('containers').index(0).child('env').index(1).child('name'),
      want: 'spec.template.spec.containers[0].env[1].name',
    },
    { name: 'renders map keys in brackets without quotes', p: path('metadata').child('labels').key('app'), want: 'metadata.labels[app]' },
    { name: 'keeps slashes of qualified keys', p: path('metadata', 'labels').key('batch.kubernetes.io/job-name'), want: 'metadata.labels[batch.kubernetes.io/job-name]' },
    { name: 'gives the root of a deep path', p: path('spec', 'completions').root(), want: 'spec' },
  ];
  it.each(cases)('$name', ({ p, want }) => {
    expect(p.toString()).toBe(want);
  });
});

describe('formatFieldError matches field.Error.Error() of apimachinery', () => {
  const cases: Array<{ name: string; err: FieldError; want: string }> = [
    {
      name: 'prints an Invalid number plainly (TestValidateJob "spec.completions:must be greater than or equal to 0")',
      err: invalid('spec.completions', -1, 'must be greater than or equal to 0'),
      want: 'spec.completions: Invalid value: -1: must be greater than or equal to 0',
    },
    {
      name: 'quotes an Invalid string like Go %q',
      err: invalid('spec.template.spec.restartPolicy', 'OnFailure', 'only "Never" is supported when podFailurePolicy is specified'),
      want: 'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    },
    {
      name: 'prints no value for Required',
      err: required('spec.template.spec.restartPolicy', 'valid values: "OnFailure", "Never"'),
      want: 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    },
    { name: 'ends Required without a detail after the type', err: required('spec.selector'), want: 'spec.selector: Required value' },
    {
      name: 'lists supported values Go-quoted for NotSupported',
      err: notSupported('spec.completionMode', 'Foo', ['NonIndexed', 'Indexed']),
      want: 'spec.completionMode: Unsupported value: "Foo": supported values: "NonIndexed", "Indexed"',
    },
    {
      name: 'prints the duplicate value (TestValidateJob "…values[1]: Duplicate value: 11")',
      err: duplicate('spec.podFailurePolicy.rules[0].onExitCodes.values[1]', 11),
      want: 'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 11',
    },
    { name: 'quotes a duplicate string', err: duplicate('spec.template.spec.containers[1].name', 'x'), want: 'spec.template.spec.containers[1].name: Duplicate value: "x"' },
    {
      name: 'omits the value of TooLong and says bytes',
      err: tooLong('metadata.annotations', 262144),
      want: 'metadata.annotations: Too long: may not be more than 262144 bytes',
    },
    { name: 'uses the singular for a one-byte limit', err: tooLong('x', 1), want: 'x: Too long: may not be more than 1 byte' },
    {
      name: 'prints the count of TooMany (TestValidateJob "spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items")',
      err: tooMany('spec.podFailurePolicy.rules', 21, 20),
      want: 'spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items',
    },
    { name: 'prints Forbidden with its detail only', err: forbidden('spec.x', 'not allowed'), want: 'spec.x: Forbidden: not allowed' },
    {
      name: 'omits the value when asked (field.OmitValueType)',
      err: invalidOmitValue('spec.podFailurePolicy.rules[0]', 'specifying one of OnExitCodes and OnPodConditions is required'),
      want: 'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
    },
    {
      name: 'words a wrong JSON type like the OpenAPI schema validation',
      err: typeInvalid('spec.completions', 'integer', 'string'),
      want: 'spec.completions: Invalid value: "string": spec.completions in body must be of type integer: "string"',
    },
    { name: 'renders a list value as JSON', err: invalid('v', [19, 11], 'must be ordered'), want: 'v: Invalid value: [19,11]: must be ordered' },
    { name: 'renders a map value as JSON with sorted keys, as Go marshals maps', err: invalid('l', { y: 'z', b: { d: 1, c: 2 } }, 'bad'), want: 'l: Invalid value: {"b":{"c":2,"d":1},"y":"z"}: bad' },
    { name: 'prints a large int64 with all its digits', err: invalid('x', 2 ** 60, 'too big'), want: 'x: Invalid value: 1152921504606846976: too big' },
    { name: 'renders a missing value as null', err: invalid('x', undefined, 'field is immutable'), want: 'x: Invalid value: null: field is immutable' },
    { name: 'renders booleans plainly', err: invalid('spec.manualSelector', true, 'no'), want: 'spec.manualSelector: Invalid value: true: no' },
  ];
  it.each(cases)('$name', ({ err, want }) => {
    expect(formatFieldError(err)).toBe(want);
  });
});

describe('goQuote follows strconv.Quote', () => {
  const cases = [
    { name: 'escapes quotes and backslashes', input: 'a"b\\c', want: '"a\\"b\\\\c"' },
    { name: 'uses C escapes for control characters', input: 'a\nb\tc\r', want: '"a\\nb\\tc\\r"' },
    { name: 'uses \\x for other ASCII control characters', input: '\u0001\u007f', want: '"\\x01\\x7f"' },
    { name: 'keeps printable Unicode', input: 'héllo ✓', want: '"héllo ✓"' },
    { name: 'escapes non-printable Unicode as \\u', input: '\u200b', want: '"\\u200b"' },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(goQuote(input)).toBe(want);
  });
});

describe('Status causes and messages', () => {
  it('when an error becomes a StatusCause, then reason is the error type and message the body without the field', () => {
    const e = invalid('spec.parallelism', -1, 'must be greater than or equal to 0');
    expect(toStatusCause(e)).toEqual({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: -1: must be greater than or equal to 0',
      field: 'spec.parallelism',
    });
    expect(fieldErrorBody(required('spec.selector'))).toBe('Required value');
  });

  it('when there is one error, then the 422 message shows it alone', () => {
    expect(invalidMessage('Job.batch', 'pi', [required('spec.selector')])).toBe('Job.batch "pi" is invalid: spec.selector: Required value');
  });

  it('when there are several errors, then the 422 message lists them in brackets without duplicates', () => {
    const a = required('spec.selector');
    const b = invalid('spec.completions', -1, 'must be greater than or equal to 0');
    expect(invalidMessage('Job.batch', 'pi', [a, b, a])).toBe(
      'Job.batch "pi" is invalid: [spec.selector: Required value, spec.completions: Invalid value: -1: must be greater than or equal to 0]',
    );
  });
});
