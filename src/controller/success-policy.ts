/**
 * successPolicy for Indexed Jobs (job-semantics §14; success_policy.go `matchSuccessPolicy`).
 */
import { countIndexes, countIntersection, intervalsOf, truncateIndexes } from '../k8s/intervals.js';
import type { SuccessPolicy } from '../k8s/types.js';

/**
 * `matchSuccessPolicy`: the first rule met by the succeeded indexes, as the condition message
 * `Matched rules at index <i>`; null when none (or nothing has succeeded yet).
 */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  completedIndexes: string,
): string | null {
  if (!policy || countIndexes(completedIndexes) === 0) return null;
  const succeeded = countIndexes(completedIndexes, completions);
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      // parseIndexesFromString drops indexes outside [0, completions).
      const required = intervalsOf(truncateIndexes(rule.succeededIndexes, completions));
      const total = required.reduce((n, [a, b]) => n + b - a + 1, 0);
      if (total === 0) continue;
      const matched = countIntersection(completedIndexes, required);
      if (rule.succeededCount === undefined ? matched === total : matched >= rule.succeededCount) {
        return `Matched rules at index ${index}`;
      }
    } else if (rule.succeededCount !== undefined && succeeded >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return null;
}
