// The error a bad batch gets: the line, the field, what was expected and what came, so the
// producer can be fixed.

export class BatchError extends Error {
  constructor(readonly line: number, readonly field: string, readonly expected: string, readonly got?: string) {
    super(`line ${line}: ${field ? `"${field}" ` : ''}must be ${expected}${got !== undefined ? `, got ${got}` : ''}`);
  }

  toJSON(): object {
    return { error: 'invalid batch', message: this.message, line: this.line, field: this.field, expected: this.expected, got: this.got };
  }
}

/** A value as an error shows it: JSON, cut short. */
export function show(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return 'a value that cannot be shown';
  }
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
