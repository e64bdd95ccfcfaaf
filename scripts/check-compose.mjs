// Checks docker-compose.yml against what kjob needs, beyond `docker-compose config`'s syntax
// check: the services of the cluster shape, the commands of the two kjob processes, every kjob
// environment variable known to src/config.ts, and the search attributes the API filters on.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const file = process.argv[2] ?? 'docker-compose.yml';
const doc = parse(readFileSync(file, 'utf8'), { merge: true });
const problems = [];
const need = (cond, msg) => cond || problems.push(msg);

const services = doc.services ?? {};
for (const name of ['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'api', 'worker']) {
  need(services[name], `service "${name}" is missing`);
}
const known = new Set(
  [...readFileSync('src/config.ts', 'utf8').matchAll(/'((?:KJOB|TEMPORAL)_[A-Z_]+)'/g)].map((m) => m[1]),
);
for (const name of ['api', 'worker']) {
  const svc = services[name] ?? {};
  const env = svc.environment ?? {};
  need(env.TEMPORAL_ADDRESS === 'temporal:7233', `${name}: TEMPORAL_ADDRESS must be temporal:7233`);
  for (const key of Object.keys(env)) {
    if (/^(KJOB|TEMPORAL)_/.test(key)) need(known.has(key), `${name}: ${key} is not a variable src/config.ts reads`);
  }
  need((svc.volumes ?? []).some((v) => String(v).endsWith(':/data')), `${name}: needs the shared kjob-data volume at /data`);
  need(env.KJOB_DATA_DIR === '/data', `${name}: KJOB_DATA_DIR must be /data`);
}
need(JSON.stringify(services.api?.command) === JSON.stringify(['npm', 'run', 'api']), 'api must run `npm run api`');
need(JSON.stringify(services.worker?.command) === JSON.stringify(['npm', 'run', 'worker']), 'worker must run `npm run worker`');
need((services.worker?.deploy?.replicas ?? 1) >= 2, 'run at least two workers');
need(services.api?.environment?.KJOB_HOST === '0.0.0.0', 'api must bind 0.0.0.0 inside its container');
const setup = JSON.stringify(services['temporal-setup']?.command ?? '');
const definitions = readFileSync('src/workflows/definitions.ts', 'utf8');
for (const m of definitions.matchAll(/defineSearchAttributeKey\('(\w+)', '(\w+)'\)/g)) {
  if (m[1].startsWith('Temporal')) continue; // Temporal's own (e.g. TemporalScheduledStartTime)
  const type = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' }[m[2]];
  need(setup.includes(`${m[1]}:${type}`), `temporal-setup must create search attribute ${m[1]} (${type})`);
}
if (problems.length) {
  console.error(`${file}:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`${file}: services, commands, environment and search attributes check out`);
