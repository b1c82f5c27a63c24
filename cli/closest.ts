// The word a mistyped one most likely meant ("quey" → "query"), for "did you mean" hints.

/** Edits (insert, delete, replace, swap two neighbours) from a to b. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to word, when close enough to be a typo of it (or word starts it); else undefined. */
export function closest(word: string, candidates: string[]): string | undefined {
  const w = word.toLowerCase();
  if (w.length > 64) return undefined; // no name is that long; and the table grows with it
  const prefixed = candidates.filter((c) => w.length >= 2 && c.startsWith(w));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = distance(w, c);
    if (n < bestDistance) [best, bestDistance] = [c, n];
  }
  // A third of the word's letters, at least one: "qury" is query, "serve" is not "verify".
  return bestDistance <= Math.max(1, Math.floor(w.length / 3)) ? best : undefined;
}
