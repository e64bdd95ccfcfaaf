/**
 * The status of a container that has not started yet, as the kubelet shows it (`waiting` with a
 * reason such as `ContainerCreating` or `PodInitializing`). Shared by the pod runner, which starts
 * from it, and the controller, which shows it for pods that have not reported yet.
 */
import type { Container, ContainerStatus } from './types.js';

export function waitingContainerStatus(c: Pick<Container, 'name' | 'image'>, reason: string): ContainerStatus {
  return {
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason } },
    lastState: {},
  };
}
