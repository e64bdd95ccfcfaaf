/**
 * API discovery, so kubectl can talk to kjob (`kubectl --server http://127.0.0.1:8080 get jobs`):
 * the legacy discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/batch/v1`) listing exactly
 * the resources and verbs kjob serves, and `/version`. Shapes follow metav1.APIVersions,
 * APIGroupList and APIResourceList; kubectl falls back to these when the server does not offer
 * aggregated discovery.
 */
import { Router } from 'express';
import { methodNotAllowed } from './method-not-allowed.js';

const BATCH_V1 = { groupVersion: 'batch/v1', version: 'v1' };

export const API_VERSIONS = {
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }],
};

export const API_GROUP_LIST = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [{ name: 'batch', versions: [BATCH_V1], preferredVersion: BATCH_V1 }],
};

export const CORE_V1_RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['delete', 'get', 'list', 'watch'], shortNames: ['po'], categories: ['all'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get'], shortNames: ['ns'] },
    { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['list', 'watch'], shortNames: ['ev'] },
  ],
};

export const BATCH_V1_RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'batch/v1',
  resources: [
    { name: 'cronjobs', singularName: 'cronjob', namespaced: true, kind: 'CronJob', verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'], shortNames: ['cj'], categories: ['all'] },
    { name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], categories: ['all'] },
  ],
};

/** What `kubectl version` shows for the server: the Kubernetes Job API level kjob follows. */
export const VERSION = {
  major: '1',
  minor: '35',
  gitVersion: 'v1.35.0-kjob',
  gitCommit: '',
  gitTreeState: '',
  buildDate: '',
  goVersion: '',
  compiler: 'kjob',
  platform: `${process.platform}/${process.arch}`,
};

export function discoveryRouter(): Router {
  const router = Router({ caseSensitive: true });
  const serve = (path: string, body: unknown) =>
    router
      .route(path)
      .get((_req, res) => {
        res.json(body);
      })
      .all(methodNotAllowed);
  serve('/api', API_VERSIONS);
  serve('/apis', API_GROUP_LIST);
  serve('/api/v1', CORE_V1_RESOURCES);
  serve('/apis/batch/v1', BATCH_V1_RESOURCES);
  serve('/version', VERSION);
  return router;
}
