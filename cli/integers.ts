// The whole numbers a command takes (ports, limits, days, retries): decimal digits only, within
// bounds. Number() would take 1e3, 0x10, '' and ' 7 ', which no one means as a count or a port.
import { UsageError } from './args.js';

/** The value of `flag` as an integer from min to max, or a UsageError saying what it takes; `or` names a word it also takes. */
export function integer(given: string, flag: string, { min, max = Number.MAX_SAFE_INTEGER, or }: { min: number; max?: number; or?: string }): number {
  const n = /^\d+$/.test(given) ? Number(given) : NaN;
  if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
  const range = max !== Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}` : min === 1 ? 'a positive integer' : `an integer of ${min} or more`;
  throw new UsageError(`${flag} must be ${range}${or === undefined ? '' : `, or ${or}`}, got ${JSON.stringify(given)}`);
}

/** A TCP port: 0 (any free one) to 65535. */
export const port = (given: string, flag: string, { or }: { or?: string } = {}): number => integer(given, flag, { min: 0, max: 65535, or });
