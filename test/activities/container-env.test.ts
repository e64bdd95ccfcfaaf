/**
 * Env and command-line expansion, against cases from Kubernetes'
 * `third_party/forked/golang/expansion/expand_test.go` and the Downward API fields kjob serves.
 */
import { describe, expect, it } from 'vitest';
import { containerProcess, expand, mappingFor, resolveFieldRef, type DownwardPod } from '../../src/activities/container-env.js';
import { CrashLoopBackoff, goDuration, restartDelayMs } from '../../src/activities/crash-loop-backoff.js';

const vars = mappingFor({ VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)', VAR_EMPTY: '' });

describe('expand', () => {
  // Names and expectations follow TestMapReference/TestExpand upstream.
  const cases = [
    { name: 'whole string', input: '$(VAR_A)', want: 'A' },
    { name: 'repeat', input: '$(VAR_A)-$(VAR_A)', want: 'A-A' },
    { name: 'multiple repeats', input: '$(VAR_A)-$(VAR_B)-$(VAR_B)-$(VAR_B)-$(VAR_A)', want: 'A-B-B-B-A' },
    { name: 'beginning', input: '$(VAR_A)-1', want: 'A-1' },
    { name: 'middle', input: '___$(VAR_B)___', want: '___B___' },
    { name: 'end', input: '___$(VAR_C)', want: '___C' },
    { name: 'compound', input: '$(VAR_A)_$(VAR_B)_$(VAR_C)', want: 'A_B_C' },
    { name: 'escape & expand', input: '$$(VAR_B)_$(VAR_A)', want: '$(VAR_B)_A' },
    { name: 'compound escape', input: '$$(VAR_A)_$$(VAR_B)', want: '$(VAR_A)_$(VAR_B)' },
    { name: 'mixed in escapes', input: 'f000-$$VAR_A', want: 'f000-$VAR_A' },
    { name: 'backslash escape ignored', input: 'foo\\$(VAR_C)bar', want: 'foo\\Cbar' },
    { name: 'backslash escape ignored 2', input: 'foo\\\\$(VAR_C)bar', want: 'foo\\\\Cbar' },
    { name: 'lots of backslashes', input: 'foo\\\\\\\\$(VAR_A)bar', want: 'foo\\\\\\\\Abar' },
    { name: 'nested var references', input: '$(VAR_A$(VAR_B))', want: '$(VAR_A$(VAR_B))' },
    { name: 'nested var references second type', input: '$(VAR_A$(VAR_B)', want: '$(VAR_A$(VAR_B)' },
    { name: 'value is a reference', input: '$(VAR_REF)', want: '$(VAR_A)' },
    { name: 'value is a reference x 2', input: '%%$(VAR_REF)--$(VAR_REF)%%', want: '%%$(VAR_A)--$(VAR_A)%%' },
    { name: 'empty var', input: 'foo$(VAR_EMPTY)bar', want: 'foobar' },
    { name: 'unterminated expression', input: 'foo$(VAR_Awhoops!', want: 'foo$(VAR_Awhoops!' },
    { name: 'expression without operator', input: 'f00__(VAR_A)__', want: 'f00__(VAR_A)__' },
    { name: 'shell special vars pass through', input: '$?_boo_$!', want: '$?_boo_$!' },
    { name: 'bare operators are ignored', input: '$VAR_A', want: '$VAR_A' },
    { name: 'undefined vars are passed through', input: '$(VAR_DNE)', want: '$(VAR_DNE)' },
    { name: 'multiple (even) operators, var undefined', input: '$$$$$$(BIG_MONEY)', want: '$$$(BIG_MONEY)' },
    { name: 'multiple (even) operators, var defined', input: '$$$$$$(VAR_A)', want: '$$$(VAR_A)' },
    { name: 'multiple (odd) operators, var undefined', input: '$$$$$$$(GOOD_ODDS)', want: '$$$$(GOOD_ODDS)' },
    { name: 'multiple (odd) operators, var defined', input: '$$$$$$$(VAR_A)', want: '$$$A' },
    { name: 'missing open expression', input: '$VAR_A)', want: '$VAR_A)' },
    { name: 'shell syntax ignored', input: '${VAR_A}', want: '${VAR_A}' },
    { name: 'trailing incomplete expression not consumed', input: '$(VAR_B)_______$(A', want: 'B_______$(A' },
    { name: 'trailing incomplete expression, no content, is not consumed', input: '$(VAR_C)_______$(', want: 'C_______$(' },
    { name: 'operator at end of input string is preserved', input: '$(VAR_A)foobarzab$', want: 'Afoobarzab$' },
    { name: 'shell escaped incomplete expr', input: 'foo-\\$(VAR_A', want: 'foo-\\$(VAR_A' },
    { name: 'lots of $( in middle', input: '--$($($($($--', want: '--$($($($($--' },
    { name: 'lots of $( in beginning', input: '$($($($($--foo$(', want: '$($($($($--foo$(' },
    { name: 'lots of $( at end', input: 'foo0--$($($($(', want: 'foo0--$($($($(' },
    { name: 'escaped operators in variable names are not escaped', input: '$(foo$$var)', want: '$(foo$$var)' },
    { name: 'newline not expanded', input: '\n', want: '\n' },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(expand(input, vars)).toBe(want);
  });
});

const pod: DownwardPod = {
  name: 'p',
  namespace: 'ns',
  uid: 'u',
  labels: { a: '1' },
  annotations: { 'x/y': 'z' },
  nodeName: 'n',
  serviceAccountName: 'default',
  hostIP: '127.0.0.1',
  podIP: '127.0.0.1',
};

describe('resolveFieldRef', () => {
  it.each([
    { fieldPath: 'metadata.name', want: 'p' },
    { fieldPath: "metadata.labels['a']", want: '1' },
    { fieldPath: "metadata.annotations['x/y']", want: 'z' },
    { fieldPath: 'status.podIP', want: '127.0.0.1' },
  ])('resolves $fieldPath', ({ fieldPath, want }) => {
    expect(resolveFieldRef(fieldPath, pod)).toBe(want);
  });

  it('rejects a field the Downward API does not offer to env vars', () => {
    expect(() => resolveFieldRef('spec.containers', pod)).toThrow('unsupported fieldPath: spec.containers');
  });
});

describe('containerProcess', () => {
  it('when a declared variable shadows a base one, then the declared value wins and only declared ones expand', () => {
    const { argv, env } = containerProcess(
      { name: 'c', command: ['echo', '$(HOME)', '$(X)'], env: [{ name: 'X', value: 'x' }, { name: 'PATH', value: '/opt' }] },
      pod,
      { PATH: '/bin', HOME: '/w' },
    );
    expect(argv).toEqual(['echo', '$(HOME)', 'x']);
    expect(env).toEqual({ PATH: '/opt', HOME: '/w', X: 'x' });
  });
});

describe('crash-loop backoff', () => {
  it.each([
    { restarts: 0, want: 10_000 },
    { restarts: 1, want: 20_000 },
    { restarts: 4, want: 160_000 },
    { restarts: 5, want: 300_000 },
    { restarts: 9, want: 300_000 },
  ])('before restart $restarts + 1 the kubelet waits $want ms', ({ restarts, want }) => {
    expect(restartDelayMs(restarts, 10_000, 300_000)).toBe(want);
  });

  it('when failures follow each other, then the delay doubles up to the cap', () => {
    const b = new CrashLoopBackoff(10_000, 300_000);
    const t0 = 1_000_000;
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => b.next(t0 + k * 1000))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('when a container ran longer than twice the cap since the last failure, then the delay starts over at the base', () => {
    const b = new CrashLoopBackoff(10_000, 300_000);
    expect(b.next(0)).toBe(10_000);
    expect(b.next(1000)).toBe(20_000);
    expect(b.next(1000 + 600_000)).toBe(40_000);
    expect(b.next(1000 + 600_000 + 600_001)).toBe(10_000);
  });

  it.each([
    { ms: 50, want: '50ms' },
    { ms: 10_000, want: '10s' },
    { ms: 160_000, want: '2m40s' },
    { ms: 300_000, want: '5m0s' },
  ])('formats $ms ms as Go does: $want', ({ ms, want }) => {
    expect(goDuration(ms)).toBe(want);
  });
});
