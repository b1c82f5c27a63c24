// How deep a record nests. JSON.parse takes any depth, but writing a value back out
// (JSON.stringify) and showing it in an error recurse, and a record nested tens of thousands deep
// overflows the stack there: a batch that fails the same way every time it is sent. So depth is
// a limit (limits.max_depth), checked on the parsed value, without recursion, before anything
// else is done with it. The record itself is the first level: {"a": {"b": [1]}} is 3 deep.

/** The default of limits.max_depth: far deeper than any access log record nests. */
export const DEFAULT_MAX_DEPTH = 32;
/** The most limits.max_depth may be: deeper values are past what JSON.stringify is sure to write. */
export const MOST_DEPTH = 1000;

/**
 * Where a value nests deeper than `max` levels: the top-level field whose value does (or '' when
 * the value is not an object and is itself too deep), or undefined when it does not.
 */
export function tooDeep(value: unknown, max: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return deeper(value, 1, max) ? '' : undefined;
  const record = value as Record<string, unknown>;
  for (const key in record) if (deeper(record[key], 2, max)) return key;
  return undefined;
}

/** Whether `value`, at level `depth`, or anything in it goes past level `max`; walked with a stack of its own. */
function deeper(value: unknown, depth: number, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [object, number][] = [[value, depth]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child as object, d + 1]);
    }
  }
  return false;
}
