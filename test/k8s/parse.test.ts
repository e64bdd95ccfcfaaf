import { describe, expect, it } from 'vitest';
import { findDuplicateJsonKey, MAX_MANIFEST_BYTES, parseManifest } from '../../src/k8s/parse.js';

const YAML = 'application/yaml';
const JSON_TYPE = 'application/json';

const PI_YAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
`;

function value(r: ReturnType<typeof parseManifest>): unknown {
  if ('error' in r) throw new Error(`unexpected parse error: ${r.error}`);
  return r.value;
}

describe('parseManifest: accepted bodies', () => {
  it('when the docs example Job is sent as YAML, then it parses to the same value as its JSON form', () => {
    const fromYaml = value(parseManifest(PI_YAML, YAML));
    expect(fromYaml).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: {
        backoffLimit: 4,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
          },
        },
      },
    });
    expect(value(parseManifest(JSON.stringify(fromYaml), JSON_TYPE))).toEqual(fromYaml);
  });

  const yamlCases = [
    { name: 'keeps the newlines of a literal block scalar', text: 'script: |\n  echo one\n  echo two\n', want: { script: 'echo one\necho two\n' } },
    { name: 'folds a folded block scalar', text: 'script: >-\n  echo one\n  two\n', want: { script: 'echo one two' } },
    { name: 'reads YAML 1.2 booleans only (yes stays a string)', text: 'a: yes\nb: true\nc: "5"\nd: 5\n', want: { a: 'yes', b: true, c: '5', d: 5 } },
    { name: 'accepts a single document with a leading and trailing ---', text: '---\na: 1\n---\n', want: { a: 1 } },
    { name: 'accepts a few aliases', text: 'x: &e [1]\ny: *e\n', want: { x: [1], y: [1] } },
  ];
  it.each(yamlCases)('$name', ({ text, want }) => {
    expect(value(parseManifest(text, YAML))).toEqual(want);
  });

  const mediaTypes = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/yaml; charset=utf-8', 'Application/YAML'];
  it.each(mediaTypes)('when the content type is %s, then the body is read as YAML', (type) => {
    expect(value(parseManifest('a: 1\n', type))).toEqual({ a: 1 });
  });

  it('when the body is bytes of UTF-8 with a byte order mark, then it parses', () => {
    const bytes = new TextEncoder().encode('\uFEFF{"name":"héllo"}');
    expect(value(parseManifest(bytes, 'application/json; charset=utf-8'))).toEqual({ name: 'héllo' });
  });
});

describe('parseManifest: refused bodies', () => {
  const cases = [
    { name: 'refuses another media type with 415', body: 'a=1', type: 'text/plain', code: 415, error: /unknown format \(text\/plain\)/ },
    { name: 'refuses a missing media type with 415', body: '{}', type: '', code: 415, error: /no Content-Type/ },
    { name: 'refuses invalid JSON', body: '{"a":', type: JSON_TYPE, code: 400, error: /^error decoding JSON: / },
    { name: 'refuses duplicate JSON keys', body: '{"spec":{"parallelism":1,"parallelism":2}}', type: JSON_TYPE, code: 400, error: /duplicate field "parallelism"/ },
    { name: 'refuses duplicate YAML keys', body: 'spec:\n  parallelism: 1\n  parallelism: 2\n', type: YAML, code: 400, error: /Map keys must be unique/ },
    { name: 'refuses a stream of two documents', body: 'a: 1\n---\nb: 2\n', type: YAML, code: 400, error: /holds 2 documents; send one Job manifest per request/ },
    { name: 'refuses a YAML syntax error', body: 'a: [1, 2\n', type: YAML, code: 400, error: /^error converting YAML to JSON: / },
    { name: 'refuses an empty body', body: '  \n', type: YAML, code: 400, error: /empty/ },
    { name: 'refuses a YAML stream of comments only', body: '# nothing\n', type: YAML, code: 400, error: /empty/ },
    {
      name: 'refuses an alias bomb',
      body: ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n'),
      type: YAML,
      code: 400,
      error: /resource exhaustion/,
    },
    { name: 'refuses absurdly deep YAML nesting without crashing', body: `${'['.repeat(50000)}${']'.repeat(50000)}`, type: YAML, code: 400, error: /nested too deeply|error converting YAML/ },
    { name: 'refuses bytes that are not UTF-8', body: new Uint8Array([0x61, 0x3a, 0x20, 0xc3, 0x28]), type: YAML, code: 400, error: /not valid UTF-8/ },
    { name: 'refuses a body over the size limit with 413', body: `{"a":"${'x'.repeat(MAX_MANIFEST_BYTES)}"}`, type: JSON_TYPE, code: 413, error: /larger than/ },
  ];
  it.each(cases)('$name', ({ body, type, code, error }) => {
    const r = parseManifest(body, type);
    expect(r).toMatchObject({ code });
    expect('error' in r ? r.error : '').toMatch(error);
  });
});

describe('findDuplicateJsonKey', () => {
  const cases = [
    { name: 'finds none in distinct keys', text: '{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}', want: null },
    { name: 'finds a duplicate at the top', text: '{"a":1,"a":2}', want: 'a' },
    { name: 'finds a duplicate inside an array of objects', text: '[{"x":1},{"y":1,"y":2}]', want: 'y' },
    { name: 'ignores key-like text inside strings', text: '{"a":"\\",\\"a\\":1","b":2}', want: null },
    { name: 'compares unescaped keys', text: '{"\\u0061":1,"a":2}', want: 'a' },
    { name: 'ignores string values equal to keys', text: '{"a":"a","b":"a"}', want: null },
  ];
  it.each(cases)('$name', ({ text, want }) => {
    JSON.parse(text); // every case is valid JSON
    expect(findDuplicateJsonKey(text)).toBe(want);
  });
});
