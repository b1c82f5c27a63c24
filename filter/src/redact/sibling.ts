// A value named by its sibling: {"name": "DB_PASSWORD", "value": "…"} (Kubernetes env, HAR and
// Postman headers, CloudFormation's ParameterKey and ParameterValue). The key is only "value";
// the field beside it says what the value is. So at a key named like a value, the members of its
// object are read, and a naming member (name, key, ParameterKey…) whose string is a secret name
// makes the value secret.
import { SecretNames } from "./names";

/** How far back an object's opening brace is looked for, in bytes. */
const OBJECT_MAX: u32 = 4096;

/** Whether n bytes at p, lower-cased, end with the lower-case ASCII word. */
function endsWith(p: usize, n: u32, word: string): bool {
  const m = <u32>word.length;
  if (n < m) return false;
  for (let i: u32 = 0; i < m; i++) if ((load<u8>(p + n - m + i) | 0x20) != <u8>word.charCodeAt(i)) return false;
  return true;
}

/** A key that holds what its sibling names: value, Value, ParameterValue. */
export function isValueKey(p: usize, n: u32): bool {
  return endsWith(p, n, "value");
}

/** A key that names its sibling: name, key, ParameterKey, HeaderName. */
function isNamingKey(p: usize, n: u32): bool {
  return endsWith(p, n, "name") || endsWith(p, n, "key");
}

/** Backslashes right before position i (not before `from`). */
function backslashes(p: usize, from: u32, i: u32): u32 {
  let r: u32 = 0;
  while (i - r > from && load<u8>(p + i - r - 1) == 0x5c) r++;
  return r;
}

/** Whether the quote at j is one of this level's (`run` backslashes before it, less escaped ones). */
@inline function isLevelQuote(p: usize, j: u32, run: u32): bool {
  return load<u8>(p + j) == 0x22 && backslashes(p, 0, j) % ((run + 1) << 1) == run;
}

/**
 * At a value key whose opening quote is at `keyQuote` (its quotes after `run` backslashes):
 * whether a member of its object names a secret.
 */
export function namedBySibling(p: usize, n: u32, keyQuote: u32, run: u32, names: SecretNames): bool {
  // Back to the object's opening brace, over strings and nested values.
  const floor = keyQuote > OBJECT_MAX ? keyQuote - OBJECT_MAX : 0;
  let depth = 0;
  let j = keyQuote - run;
  let open: i64 = -1;
  while (j > floor) {
    j--;
    const c = load<u8>(p + j);
    if (c == 0x22 && isLevelQuote(p, j, run)) {
      // A string of this level: back to its opening quote.
      j -= run;
      while (j > floor && !isLevelQuote(p, j - 1, run)) j--;
      if (j <= floor) return false;
      j -= 1 + run;
    } else if (c == 0x7d || c == 0x5d) depth++;
    else if (c == 0x7b || c == 0x5b) {
      if (depth == 0) {
        if (c == 0x7b) open = j;
        break;
      }
      depth--;
    }
  }
  if (open < 0) return false;
  return membersName(p, n, <u32>open + 1, run, names);
}

/** The members of an object from i: whether a naming member's string is a secret name. */
function membersName(p: usize, n: u32, i: u32, run: u32, names: SecretNames): bool {
  while (i < n) {
    i = skipSpace(p, n, i);
    const key = stringAt(p, n, i, run);
    if (key < 0) return false;
    const keyStart = i + run + 1;
    const keyEnd = <u32>key;
    i = skipSpace(p, n, keyEnd + run + 1);
    if (i >= n || load<u8>(p + i) != 0x3a) return false;
    i = skipSpace(p, n, i + 1);
    const value = stringAt(p, n, i, run);
    if (value >= 0) {
      const valueStart = i + run + 1;
      if (isNamingKey(p + keyStart, keyEnd - keyStart) && names.has(p + valueStart, <u32>value - valueStart)) return true;
      i = <u32>value + run + 1;
    } else {
      // Not a string: on to the next member at this depth.
      let depth = 0;
      while (i < n) {
        const c = load<u8>(p + i);
        if (c == 0x22 && isLevelQuote(p, i, run)) {
          const end = stringAt(p, n, i - run, run);
          if (end < 0) return false;
          i = <u32>end + run + 1;
          continue;
        }
        if (c == 0x7b || c == 0x5b) depth++;
        else if (c == 0x7d || c == 0x5d) {
          if (depth == 0) return false;
          depth--;
        } else if (c == 0x2c && depth == 0) break;
        i++;
      }
    }
    i = skipSpace(p, n, i);
    if (i >= n || load<u8>(p + i) != 0x2c) return false;
    i++;
  }
  return false;
}

/** A string of this level at i (its backslashes, then its quote): where its closing quote's backslashes start, or -1. */
function stringAt(p: usize, n: u32, i: u32, run: u32): i64 {
  if (i + run >= n || load<u8>(p + i + run) != 0x22) return -1;
  for (let k: u32 = 0; k < run; k++) if (load<u8>(p + i + k) != 0x5c) return -1;
  for (let j = i + run + 1; j < n; j++) {
    if (load<u8>(p + j) == 0x22 && isLevelQuote(p, j, run)) return j - run;
  }
  return -1;
}

/** Past white space, raw and (in a string) escaped. */
function skipSpace(p: usize, n: u32, i: u32): u32 {
  while (i < n) {
    const c = load<u8>(p + i);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) i++;
    else if (c == 0x5c && i + 1 < n && (load<u8>(p + i + 1) == 0x6e || load<u8>(p + i + 1) == 0x72 || load<u8>(p + i + 1) == 0x74)) i += 2;
    else break;
  }
  return i;
}
