// Names and their values inside any text: `name=value` (queries, forms, cookies, URLs inside
// JSON strings), `name: value` (text lines, headers echoed in a body), `"name": value` (JSON
// keys, also escaped as \"name\" in a JSON document inside a JSON string). Found from the
// separator: the name is read back from it, and when the name is secret (names.ts) the whole
// value after it is the span to redact, whatever its shape: a string, a number, an array or an
// object, after any white space.
import { NAME_MAX, SecretNames } from "./names";
import { Found } from "./numbers";
import { isValueKey, namedBySibling } from "./sibling";
import { level, Source, Syntax } from "./source";

/** Bytes a name is made of, outside quotes: letters, digits, _ - . $ % [ ]. */
@inline export function isNameByte(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26) || c == 0x5f || c == 0x2d || c == 0x2e || c == 0x24 || c == 0x25 || c == 0x5b || c == 0x5d;
}

@inline function isBlank(c: u32): bool {
  return c == 0x20 || c == 0x09;
}

@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

/** Backslashes right before position i (not before `from`). */
@inline function backslashesBefore(p: usize, from: u32, i: u32): u32 {
  let r: u32 = 0;
  while (i - r > from && load<u8>(p + i - r - 1) == 0x5c) r++;
  return r;
}

/**
 * At the separator ('=' or ':') at s: when the name before it is secret, Found is set to the
 * value after it and true returned.
 */
export function secretPair(p: usize, n: u32, s: u32, names: SecretNames): bool {
  // The name: quoted ("name", \"name\", 'name'), or the run of name bytes before it, white
  // space between.
  let e = s;
  let quote: u32 = 0;
  let run: u32 = 0;
  while (e > 0 && isSpace(load<u8>(p + e - 1))) e--;
  if (e > 0) {
    const q = <u32>load<u8>(p + e - 1);
    if (q == 0x22 || q == 0x27) {
      run = backslashesBefore(p, 0, e - 1);
      quote = q;
      e = e - 1 - run;
    }
  }
  let b = e;
  const floor = e > 4 * NAME_MAX ? e - 4 * NAME_MAX : 0;
  // Inside quotes a name may hold spaces ("api key"); outside, it is one run.
  const json = Source.syntax == Syntax.Json;
  while (b > floor && (isNameByte(load<u8>(p + b - 1)) || (quote != 0 && load<u8>(p + b - 1) == 0x20))) {
    // In JSON text, \n \r \t before a name (a line break in a string) are not part of it.
    if (json && b >= 2 && load<u8>(p + b - 2) == 0x5c && isEscapedSpace(load<u8>(p + b - 1)) && backslashesBefore(p, 0, b - 1) % 2 == 1) break;
    b--;
  }
  if (b == e) return false;
  if (!names.has(p + b, e - b)) {
    // {"name": "DB_PASSWORD", "value": …}: a value named by its sibling.
    if (quote != 0x22 || !isValueKey(p + b, e - b) || load<u8>(p + b - 1) != 0x22 || !namedBySibling(p, n, b - 1, run, names)) return false;
  }
  return value(p, n, s + 1, quote, run, level(p, s), load<u8>(p + s));
}

/** The value that starts at v (after white space, and a '>' after '=': Ruby's and PHP's =>), into Found. */
function value(p: usize, n: u32, v: u32, quote: u32, run: u32, lvl: u32, separator: u32): bool {
  const json = Source.syntax == Syntax.Json;
  if (separator == 0x3d && v < n && load<u8>(p + v) == 0x3e) v++;
  // White space; after a quoted name (a JSON key) line breaks too, raw or escaped; after a name
  // outside quotes, a line break when nothing else is on the line (a GraphQL argument).
  v = quote != 0 ? afterLines(p, n, v, json) : afterBlanks(p, n, v);
  if (quote == 0 && v < n && isLineEnd(p, n, v, json)) v = afterLines(p, n, v, json);
  if (v >= n) return false;
  const c = <u32>load<u8>(p + v);
  // A quoted string: "…", \"…\" (a level deeper: its quotes have that many backslashes), '…',
  // and GraphQL's """…""".
  let r: u32 = 0;
  while (v + r < n && load<u8>(p + v + r) == 0x5c) r++;
  if (v + r < n && load<u8>(p + v + r) == 0x22 && (r > 0 || quote != 0 || !json)) {
    const start = v + r + 1;
    const end = closingQuote(p, n, start, r);
    if (end == start && isQuoteAt(p, n, start + 2 * r + 1, r)) {
      // """…""": the text after the third quote, to the next quote.
      const text = start + 2 * (r + 1);
      return found(text, closingQuote(p, n, text, r));
    }
    return found(start, end);
  }
  if (c == 0x27) return found(v + 1, until(p, n, v + 1, 0x27));
  // An array, an object or a number after a JSON key is replaced by a string ("[SECRET_PARAM]").
  if (c == 0x5b || c == 0x7b) {
    if (quote == 0x22) Found.quoted = <i32>run;
    return found(v, matching(p, n, v, quote != 0 ? run : 0, lvl));
  }
  if (quote != 0) {
    // A JSON literal: a number is redacted; true, false and null say nothing.
    let e = v;
    while (e < n) {
      const d = <u32>load<u8>(p + e);
      if (d == 0x2c || d == 0x7d || d == 0x5d || d <= 0x20 || d == 0x5c || d == 0x22) break;
      e++;
    }
    if (isLiteral(p + v, e - v)) return false;
    if (quote == 0x22) Found.quoted = <i32>run;
    return found(v, e);
  }
  return found(v, bareEnd(p, n, v, separator, lvl, json));
}

/** Past blanks from v. */
function afterBlanks(p: usize, n: u32, v: u32): u32 {
  while (v < n && isBlank(<u32>load<u8>(p + v))) v++;
  return v;
}

/** Past blanks and line breaks from v (raw, and in JSON text escaped). */
function afterLines(p: usize, n: u32, v: u32, json: bool): u32 {
  while (v < n) {
    const c = <u32>load<u8>(p + v);
    if (isBlank(c) || c == 0x0a || c == 0x0d) v++;
    else if (json && c == 0x5c && v + 1 < n && isEscapedSpace(load<u8>(p + v + 1))) v += 2;
    else break;
  }
  return v;
}

/** Whether a line ends at v: a raw line break, or in JSON text an escaped one (\n \r). */
@inline function isLineEnd(p: usize, n: u32, v: u32, json: bool): bool {
  const c = <u32>load<u8>(p + v);
  if (c == 0x0a || c == 0x0d) return true;
  if (!json || c != 0x5c || v + 1 >= n) return false;
  const e = <u32>load<u8>(p + v + 1);
  return e == 0x6e || e == 0x72;
}

/** Whether a quote after `run` backslashes is at j. */
@inline function isQuoteAt(p: usize, n: u32, j: u32, run: u32): bool {
  return j < n && load<u8>(p + j) == 0x22 && (run == 0 || backslashesBefore(p, j - run, j) == run);
}

@inline function isEscapedSpace(c: u32): bool {
  return c == 0x6e || c == 0x72 || c == 0x74; // \n \r \t
}

function found(start: u32, end: u32): bool {
  Found.start = start;
  Found.end = end;
  if (end <= start) Found.quoted = -1;
  return end > start;
}

/**
 * The quote that closes a string opened by a quote after `run` backslashes: the next one after
 * as many, less any pairs of that level's escaped backslashes (a quote k levels deep has 2^k - 1
 * backslashes; one closing it has r backslashes with r % 2^(k+1) == 2^k - 1). Where its own
 * backslashes start; n when the text ends first.
 */
function closingQuote(p: usize, n: u32, start: u32, run: u32): u32 {
  const period = (run + 1) << 1;
  for (let j = start; j < n; j++) {
    if (load<u8>(p + j) != 0x22) continue;
    const r = backslashesBefore(p, start, j);
    if (r % period == run) return j - run;
  }
  return n;
}

function until(p: usize, n: u32, j: u32, c: u8): u32 {
  while (j < n && load<u8>(p + j) != c) j++;
  return j;
}

/** The end of the array or object opening at v (after its closing bracket); n when it does not close. */
function matching(p: usize, n: u32, v: u32, run: u32, lvl: u32): u32 {
  const period = (run + 1) << 1;
  let depth = 0;
  let inString = false;
  for (let j = v; j < n; j++) {
    const c = <u32>load<u8>(p + j);
    if (c == 0x22) {
      if (backslashesBefore(p, v, j) % period == run) inString = !inString;
    } else if (!inString && level(p, j) <= lvl) {
      if (c == 0x5b || c == 0x7b) depth++;
      else if ((c == 0x5d || c == 0x7d) && --depth == 0) return j + 1;
    }
  }
  return n;
}

function isLiteral(p: usize, n: u32): bool {
  if (n == 4) {
    const w = load<u32>(p);
    return w == 0x65757274 || w == 0x6c6c756e; // true, null
  }
  return n == 5 && load<u32>(p) == 0x736c6166 && load<u8>(p + 4) == 0x65; // false
}

/**
 * Where a value outside quotes ends. After '=': at white space or punctuation that cannot be
 * in a parameter's value (and in a path at '/', '?', '#'). After ':' (a `name: value` line):
 * at the end of the line. In a JSON body, also where the string holding it ends (a quote, or a
 * backslash escape of a quote or a line break). Only bytes no deeper than the separator end it.
 */
function bareEnd(p: usize, n: u32, v: u32, separator: u32, lvl: u32, json: bool): u32 {
  const path = Source.syntax == Syntax.Path;
  let j = v;
  for (; j < n; j++) {
    const c = <u32>load<u8>(p + j);
    let ends = false;
    if (c == 0x0a || c == 0x0d) ends = true;
    // In JSON text the string holding the value ends it (a quote, an escaped quote or line break).
    else if (c == 0x22) ends = json || separator == 0x3d;
    else if (c == 0x5c) ends = json && j + 1 < n && isEscapeEnd(load<u8>(p + j + 1));
    else if (path && (c == 0x2f || c == 0x3f || c == 0x23)) ends = true;
    else if (separator == 0x3d) {
      ends = c <= 0x20 || c == 0x26 || c == 0x3b || c == 0x2c || c == 0x27 || c == 0x3c || c == 0x3e || c == 0x29 || c == 0x5d ||
        c == 0x7d || c == 0x23;
    }
    if (ends && level(p, j) <= lvl) break;
  }
  return j;
}

@inline function isEscapeEnd(c: u32): bool {
  return c == 0x22 || c == 0x6e || c == 0x72 || c == 0x74;
}
