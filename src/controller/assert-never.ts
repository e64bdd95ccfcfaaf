/** The end of an exhaustive `switch` over a discriminated union: a new member is a type error here. */
export function assertNever(x: never): never {
  throw new Error(`unhandled value: ${JSON.stringify(x)}`);
}
