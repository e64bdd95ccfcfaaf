/**
 * core/v1 Events about Jobs, their pods and CronJobs (`kubectl describe job` reads these with
 * `fieldSelector=involvedObject.name=<job>`). Events live in their Job's (or CronJob's) workflow,
 * so a selector that names an object reads only the Jobs that object can belong to and the
 * CronJob of that name.
 */
import { Router, type Request, type Response } from 'express';
import type { EventList, KubeEvent } from '../../k8s/types.js';
import type { CronJobsGateway } from '../cronjobs-gateway.js';
import { mapLimit } from '../jobs-gateway.js';
import { matchesFieldSelector } from '../../k8s/labels.js';
import { boolParam, isDnsSubdomain, namespaceParam } from '../params.js';
import { eventTable, wantsTable } from '../table.js';
import { paginate } from '../paging.js';
import { currentResourceVersion, serveWatch } from '../watch.js';
import { parseFieldSelectorParam, type RouteDeps } from './jobs.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { ownerCandidates } from './pods.js';

const CONCURRENCY = 16;

/** The selectable fields of an Event (pkg/apis/core/v1/conversion.go, Event field labels). */
function eventFields(e: KubeEvent): Record<string, string> {
  return {
    'involvedObject.kind': e.involvedObject.kind ?? '',
    'involvedObject.namespace': e.involvedObject.namespace ?? '',
    'involvedObject.name': e.involvedObject.name ?? '',
    'involvedObject.uid': e.involvedObject.uid ?? '',
    'involvedObject.apiVersion': e.involvedObject.apiVersion ?? '',
    'metadata.name': e.metadata.name ?? '',
    'metadata.namespace': e.metadata.namespace ?? '',
    reason: e.reason,
    type: e.type,
    source: e.source.component,
    reportingComponent: e.reportingComponent ?? '',
  };
}

const EVENT_FIELDS = Object.keys(
  eventFields({ involvedObject: {}, metadata: {}, source: { component: '' } } as unknown as KubeEvent),
);

export interface EventRouteDeps extends RouteDeps {
  cronJobs: CronJobsGateway;
}

async function listEvents(req: Request, res: Response, deps: EventRouteDeps, namespace: string | null): Promise<void> {
  const selector = parseFieldSelectorParam(req, EVENT_FIELDS);
  const named = selector.find((t) => t.field === 'involvedObject.name' && t.operator !== '!=')?.value;
  const load = async () => {
    let events: KubeEvent[];
    if (named !== undefined && namespace !== null) {
      // The object is the Job itself or one of its pods.
      const names = [...new Set([named, ...(await ownerCandidates(deps, namespace, named))])].filter(isDnsSubdomain);
      const lists = await mapLimit(names, CONCURRENCY, (name) => deps.jobs.events(namespace, name));
      events = lists.flatMap((l) => l?.items ?? []);
    } else {
      events = await deps.jobs.allEvents(namespace);
    }
    // CronJobs: the one named, or all of the namespace(s).
    const cronJobSources =
      named !== undefined && namespace !== null
        ? isDnsSubdomain(named) && named.length <= 63
          ? [{ namespace, name: named }]
          : []
        : (await deps.cronJobs.list(namespace)).map((c) => ({ namespace: c.metadata.namespace ?? '', name: c.metadata.name ?? '' }));
    const cronJobEvents = await mapLimit(cronJobSources, CONCURRENCY, (s) => deps.cronJobs.events(s.namespace, s.name));
    events = [...events, ...cronJobEvents.flatMap((l) => l?.items ?? [])];
    return events.filter((e) => matchesFieldSelector(selector, eventFields(e)));
  };
  if (boolParam(req, 'watch')) return serveWatch(req, res, { list: load, table: wantsTable(req) ? (items) => eventTable(items) : null, kind: { apiVersion: 'v1', kind: 'Event' } });
  const all = await load();
  const { items, metadata } = paginate(req, all, currentResourceVersion(all));
  const list: EventList = { apiVersion: 'v1', kind: 'EventList', metadata, items };
  res.json(wantsTable(req) ? { ...eventTable(items), metadata } : list);
}

export function eventsRouter(deps: EventRouteDeps): Router {
  const router = Router({ caseSensitive: true });
  router
    .route('/api/v1/namespaces/:namespace/events')
    .get((req, res) => listEvents(req, res, deps, namespaceParam(req)))
    .all(methodNotAllowed);
  router
    .route('/api/v1/events')
    .get((req, res) => listEvents(req, res, deps, null))
    .all(methodNotAllowed);
  return router;
}
