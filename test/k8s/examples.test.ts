/**
 * Every manifest in examples/ is a Job (or a CronJob) kjob accepts as is: it parses as YAML,
 * decodes with no unknown field, and passes validation after defaulting — the README tells users
 * to POST them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareCronJobForCreate } from '../../src/k8s/cronjob-strategy.js';
import { validateCronJob } from '../../src/k8s/cronjob-validate.js';
import { decodeCronJob, decodeJob } from '../../src/k8s/decode.js';
import { applyDefaults } from '../../src/k8s/defaults.js';
import { formatFieldError } from '../../src/k8s/field-errors.js';
import { parseManifest } from '../../src/k8s/parse.js';
import { validateJob } from '../../src/k8s/validate.js';

const dir = path.resolve(import.meta.dirname, '../../examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('examples/', () => {
  it('has a manifest for every mode the README lists', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'pi.yaml', 'parallel.yaml', 'indexed.yaml', 'work-queue.yaml', 'backoff.yaml', 'on-failure.yaml', 'deadline.yaml',
        'suspended.yaml', 'pod-failure-policy.yaml', 'backoff-per-index.yaml', 'success-policy.yaml', 'ttl.yaml', 'cronjob.yaml',
      ]),
    );
  });

  it.each(files)('%s is a valid Job or CronJob with no unknown field', (file) => {
    const parsed = parseManifest(readFileSync(path.join(dir, file), 'utf8'), 'application/yaml');
    expect('value' in parsed, JSON.stringify(parsed)).toBe(true);
    if ((parsed as { value: { kind?: string } }).value.kind === 'CronJob') {
      const cron = decodeCronJob((parsed as { value: unknown }).value);
      expect([cron.kindError, cron.errors.map(formatFieldError), cron.warnings]).toEqual([undefined, [], []]);
      const stored = prepareCronJobForCreate(cron.cronJob!, { namespace: 'default', uid: 'u', now: new Date() });
      expect(validateCronJob(stored).map(formatFieldError)).toEqual([]);
      expect(stored.metadata.name).toBe(file.replace(/\.yaml$/, ''));
      return;
    }
    const decoded = decodeJob((parsed as { value: unknown }).value);
    expect(decoded.kindError).toBeUndefined();
    expect(decoded.errors.map(formatFieldError)).toEqual([]);
    expect(decoded.warnings).toEqual([]);
    expect(validateJob(applyDefaults(decoded.job!)).map(formatFieldError)).toEqual([]);
    expect(decoded.job!.metadata.name).toBe(file.replace(/\.yaml$/, ''));
  });
});
