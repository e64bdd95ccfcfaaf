// Checks docker-compose.yml against what kjob needs, beyond `docker-compose config`'s syntax
// check: the services of the cluster shape, the commands of the two kjob processes, every kjob
// environment variable known to src/config.ts, the search attributes the API filters on, and
// Prometheus: it scrapes the API and every worker on the ports they serve /metrics on, and its
// alert rules exist and name series kjob exports.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const file = process.argv[2] ?? 'docker-compose.yml';
const doc = parse(readFileSync(file, 'utf8'), { merge: true });
const problems = [];
const need = (cond, msg) => cond || problems.push(msg);

const services = doc.services ?? {};
for (const name of ['postgresql', 'temporal-schema', 'temporal-history', 'temporal-matching', 'temporal', 'temporal-worker', 'temporal-setup', 'temporal-ui', 'api', 'api-2', 'worker', 'prometheus']) {
  need(services[name], `service "${name}" is missing`);
}
const known = new Set(
  [...readFileSync('src/config.ts', 'utf8').matchAll(/'((?:KJOB|TEMPORAL)_[A-Z_]+)'/g)].map((m) => m[1]),
);
for (const name of ['api', 'api-2', 'worker']) {
  const svc = services[name] ?? {};
  const env = svc.environment ?? {};
  need(env.TEMPORAL_ADDRESS === 'temporal:7233', `${name}: TEMPORAL_ADDRESS must be temporal:7233`);
  for (const key of Object.keys(env)) {
    if (/^(KJOB|TEMPORAL)_/.test(key)) need(known.has(key), `${name}: ${key} is not a variable src/config.ts reads`);
  }
  // Each kjob container has its own data dir, as cluster.sh gives each process one: pod logs are
  // read on the worker that ran the pod (no shared volume needed; one still works).
  need(env.KJOB_DATA_DIR === '/data', `${name}: KJOB_DATA_DIR must be /data`);
}
need(JSON.stringify(services['api-2']?.command) === JSON.stringify(['npm', 'run', 'api']), 'api-2 must run `npm run api`');

// The Temporal services as cluster.sh runs them: one container per service, the version
// build-temporal.sh builds, the history shards and dynamic config the script uses.
const script = readFileSync('scripts/cluster/cluster.sh', 'utf8');
const shards = /KJOB_CLUSTER_HISTORY_SHARDS:-(\d+)/.exec(script)?.[1];
const versions = new Set();
for (const [name, role] of [['temporal-history', 'history'], ['temporal-matching', 'matching'], ['temporal', 'frontend'], ['temporal-worker', 'worker']]) {
  const svc = services[name] ?? {};
  const env = svc.environment ?? {};
  const image = /^temporalio\/server:(\d+\.\d+\.\d+)$/.exec(svc.image ?? '');
  need(image, `${name}: image must be temporalio/server:<version>`);
  if (image) versions.add(image[1]);
  need(env.SERVICES === role, `${name}: SERVICES must be ${role}`);
  need(env.DB === 'postgres12', `${name}: DB must be postgres12 (cluster.sh's plugin)`);
  need(env.NUM_HISTORY_SHARDS === shards, `${name}: NUM_HISTORY_SHARDS must be ${shards}, as cluster.sh`);
  need((svc.volumes ?? []).some((v) => String(v).startsWith('./scripts/cluster/dynamicconfig.yaml:')), `${name}: must mount scripts/cluster/dynamicconfig.yaml`);
}
for (const name of ['temporal-schema', 'temporal-setup']) {
  const tools = /^temporalio\/admin-tools:(\d+\.\d+\.\d+)-/.exec(services[name]?.image ?? '');
  need(tools, `${name}: image must be temporalio/admin-tools:<version>-…`);
  if (tools) versions.add(tools[1]);
}
need(versions.size === 1, `one Temporal version for every Temporal container (found ${[...versions].join(', ')})`);
need(JSON.stringify(services.api?.command) === JSON.stringify(['npm', 'run', 'api']), 'api must run `npm run api`');
need(JSON.stringify(services.worker?.command) === JSON.stringify(['npm', 'run', 'worker']), 'worker must run `npm run worker`');
need((services.worker?.deploy?.replicas ?? 1) === Number(/KJOB_CLUSTER_WORKERS:-(\d+)/.exec(readFileSync('scripts/cluster/cluster.sh', 'utf8'))?.[1]), "worker replicas must be cluster.sh's number of workers");
need(services.api?.environment?.KJOB_HOST === '0.0.0.0', 'api must bind 0.0.0.0 inside its container');
const setup = JSON.stringify(services['temporal-setup']?.command ?? '');
const definitions = readFileSync('src/workflows/definitions.ts', 'utf8');
for (const m of definitions.matchAll(/defineSearchAttributeKey\('(\w+)', '(\w+)'\)/g)) {
  if (m[1].startsWith('Temporal')) continue; // Temporal's own (e.g. TemporalScheduledStartTime)
  const type = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' }[m[2]];
  need(setup.includes(`${m[1]}:${type}`), `temporal-setup must create search attribute ${m[1]} (${type})`);
}

// Prometheus: its config comes from the repository (a bind mount of the folder holding it).
const prom = services.prometheus ?? {};
const promMount = (prom.volumes ?? []).map(String).find((v) => v.endsWith(':/etc/prometheus') || v.endsWith(':/etc/prometheus:ro'));
need(promMount, 'prometheus: mount its config folder at /etc/prometheus');
if (promMount) {
  const hostDir = path.resolve(path.dirname(file), promMount.split(':')[0]);
  const configFile = path.join(hostDir, 'prometheus.yml');
  need(existsSync(configFile), `prometheus: ${configFile} is missing`);
  if (existsSync(configFile)) {
    const cfg = parse(readFileSync(configFile, 'utf8'));
    const jobs = cfg.scrape_configs ?? [];
    const apiPort = services.api?.environment?.KJOB_PORT ?? '8080';
    need(jobs.some((j) => (j.static_configs ?? []).some((s) => (s.targets ?? []).includes(`api:${apiPort}`))), `prometheus must scrape the API at api:${apiPort}`);
    const workerPort = Number(String(services.worker?.environment?.KJOB_WORKER_METRICS_ADDRESS ?? '').split(':').pop());
    need(Number.isInteger(workerPort) && workerPort > 0, 'worker: set KJOB_WORKER_METRICS_ADDRESS (host:port) so Prometheus can scrape it');
    need(
      jobs.some((j) => (j.dns_sd_configs ?? []).some((d) => (d.names ?? []).includes('worker') && d.port === workerPort)),
      `prometheus must scrape every worker replica (dns_sd_configs of "worker", port ${workerPort})`,
    );
    const exported = ['src/api/metrics.ts', 'src/temporal/worker-metrics.ts'].map((f) => readFileSync(f, 'utf8')).join('\n');
    let failedJobAlert = false;
    for (const ruleFile of cfg.rule_files ?? []) {
      const local = path.join(hostDir, path.relative('/etc/prometheus', ruleFile));
      need(existsSync(local), `prometheus: rule file ${ruleFile} (${local}) is missing`);
      if (!existsSync(local)) continue;
      for (const group of parse(readFileSync(local, 'utf8')).groups ?? []) {
        for (const rule of group.rules ?? []) {
          need(rule.alert && rule.expr, `${local}: every rule needs alert and expr`);
          for (const m of String(rule.expr).matchAll(/\b(kube_\w+|kjob_\w+|job_controller_\w+|kubelet_\w+)/g)) {
            need(exported.includes(`'${m[1]}'`), `${local}: ${rule.alert} uses ${m[1]}, which kjob does not export`);
          }
          if (/kube_job_failed/.test(String(rule.expr))) failedJobAlert = true;
        }
      }
    }
    need(failedJobAlert, 'prometheus: keep an alert rule on kube_job_failed (failed Jobs)');
  }
}
if (problems.length) {
  console.error(`${file}:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`${file}: services, commands, environment, search attributes and Prometheus check out`);
