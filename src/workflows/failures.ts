/**
 * The failures Job workflows answer bad messages with: non-retryable, typed so the API maps them
 * (`Invalid` → 422 with the field errors, `NotFound` → 404), worded like Kubernetes.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { formatFieldError, type FieldError } from '../k8s/field-errors.js';

export function invalid(errors: FieldError[]): ApplicationFailure {
  return ApplicationFailure.create({ type: 'Invalid', message: errors.map(formatFieldError).join(', '), details: [errors], nonRetryable: true });
}

export function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'NotFound', message: `${what} not found`, nonRetryable: true });
}

/** A workflow input the API would not have made: fail the run at once rather than a task forever. */
export function invalidInput(problem: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'Invalid', message: `invalid Job workflow input: ${problem}`, nonRetryable: true });
}
