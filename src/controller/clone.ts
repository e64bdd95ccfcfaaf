/**
 * Deep copy of plain-JSON values. The controller's state is plain JSON by contract, so this is
 * exact; it avoids relying on `structuredClone` being present in the workflow sandbox.
 */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
