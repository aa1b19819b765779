/** Exhaustiveness: a `switch` over a union ends in `unreachable(x)`, so a new member is a compile error until handled. */
export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
