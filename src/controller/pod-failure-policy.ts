/**
 * podFailurePolicy (job-semantics §13; pod_failure_policy.go `matchPodFailurePolicy`).
 */
import type {
  ContainerStatus,
  PodFailurePolicy,
  PodFailurePolicyAction,
  PodFailurePolicyRule,
  PodFailurePolicyOnExitCodesRequirement,
  PodFailurePolicyOnPodConditionsPattern,
} from '../k8s/types.js';
import type { PodConditionRecord, PodRecord } from './state.js';

export interface PodFailurePolicyMatch {
  /** The matching rule's action; null when no rule matched (default handling = Count). */
  action: PodFailurePolicyAction | null;
  /** Whether the failure counts toward backoffLimit / status.failed (false only for Ignore). */
  countFailed: boolean;
  /** For FailJob: the FailureTarget message. */
  message: string | null;
}

const NO_MATCH: PodFailurePolicyMatch = { action: null, countFailed: true, message: null };

/** `getMatchingContainerFromList`: a terminated container with a non-zero code the requirement matches. */
function matchingContainer(
  statuses: readonly ContainerStatus[],
  req: PodFailurePolicyOnExitCodesRequirement,
): { name: string; exitCode: number } | null {
  for (const cs of statuses) {
    const terminated = cs.state.terminated;
    if (!terminated) continue;
    if (req.containerName !== undefined && req.containerName !== cs.name) continue;
    // Exit code 0 never matches, not even a NotIn rule (isOnExitCodesOperatorMatching is only
    // consulted for non-zero codes).
    if (terminated.exitCode === 0) continue;
    const inValues = req.values.includes(terminated.exitCode);
    if ((req.operator === 'In' && inValues) || (req.operator === 'NotIn' && !inValues)) {
      return { name: cs.name, exitCode: terminated.exitCode };
    }
  }
  return null;
}

/** `matchOnExitCodes`: containers first, then init containers. */
function matchOnExitCodes(pod: PodRecord, req: PodFailurePolicyOnExitCodesRequirement): { name: string; exitCode: number } | null {
  return matchingContainer(pod.containerStatuses, req) ?? matchingContainer(pod.initContainerStatuses, req);
}

/** `matchOnPodConditions`: a pod condition whose type and status equal a pattern (status defaults True). */
function matchOnPodConditions(
  conditions: readonly PodConditionRecord[],
  patterns: readonly PodFailurePolicyOnPodConditionsPattern[],
): PodConditionRecord | null {
  for (const c of conditions) {
    for (const p of patterns) {
      if (c.type === p.type && c.status === (p.status ?? 'True')) return c;
    }
  }
  return null;
}

/**
 * `matchPodFailurePolicy`: evaluates the rules in order for a failed pod; the first match
 * decides. No policy or no match → counted (default handling).
 */
export function matchPodFailurePolicy(
  policy: PodFailurePolicy | undefined,
  pod: PodRecord,
  namespace: string,
): PodFailurePolicyMatch {
  if (!policy) return NO_MATCH;
  for (const [index, rule] of policy.rules.entries()) {
    const matched = describeMatch(rule, pod, namespace, index);
    if (matched === null) continue;
    switch (rule.action) {
      case 'Ignore':
        return { action: 'Ignore', countFailed: false, message: null };
      case 'FailIndex':
      case 'Count':
        return { action: rule.action, countFailed: true, message: null };
      case 'FailJob':
        return { action: 'FailJob', countFailed: true, message: matched };
    }
  }
  return NO_MATCH;
}

/** The FailJob message for a rule that matches the pod (upstream's wording per requirement), else null. */
function describeMatch(rule: PodFailurePolicyRule, pod: PodRecord, namespace: string, index: number): string | null {
  if (rule.onExitCodes) {
    const cs = matchOnExitCodes(pod, rule.onExitCodes);
    return cs ? `Container ${cs.name} for pod ${namespace}/${pod.name} failed with exit code ${cs.exitCode} matching FailJob rule at index ${index}` : null;
  }
  if (rule.onPodConditions) {
    const cond = matchOnPodConditions(pod.conditions, rule.onPodConditions);
    return cond ? `Pod ${namespace}/${pod.name} has condition ${cond.type} matching FailJob rule at index ${index}` : null;
  }
  return null;
}
