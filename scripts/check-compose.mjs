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
for (const name of ['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'api', 'worker', 'prometheus']) {
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
