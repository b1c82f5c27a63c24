// The text a scan reads: its syntax, and when it was decoded (percent-escapes, JSON escapes),
// the original bytes and where each decoded byte came from. A byte that was encoded is a level
// deeper than one that was not: in `password=a%26b`, the '&' that %26 became is part of the
// value, not its end; in `postgres://u:p%40ss@db`, the '@' that %40 became is in the password.

export namespace Syntax {
  /** Header values, text bodies, query and form values: a bare value ends at white space or punctuation. */
  export const Text: u8 = 0;
  /** A URL's path: '/', '?' and '#' end a value too (;jsessionid=…/). */
  export const Path: u8 = 1;
  /** A JSON body: backslash escapes are the string's, and a name outside quotes is inside a string. */
  export const Json: u8 = 2;
}

export namespace Source {
  export let syntax: u8 = Syntax.Text;
  export let original: usize = 0;
  export let origin: StaticArray<u32> | null = null;
}

/** 1 for a byte of the scanned text at p that was encoded in the original, 0 for one as it was. */
@inline export function level(p: usize, i: u32): u32 {
  const origin = Source.origin;
  if (origin === null) return 0;
  return load<u8>(Source.original + unchecked(origin[i])) != load<u8>(p + i) ? 1 : 0;
}
