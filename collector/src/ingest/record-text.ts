// What a record is stored as: one line of JSON. A block keeps its records a line each, so a
// record must never carry a line break, whatever white space it came with. In valid JSON a raw
// tab, CR or LF can only be white space between tokens (inside a string it must be escaped), so
// a text holding one is written again from its value; so is a text with an escape, kept as
// JSON.stringify writes it, so that free text matches what a record says, not how it was escaped.

/** Whether a record's text cannot be stored as it came. */
export const needsRewrite = (text: string): boolean => /[\\\t\n\r]/.test(text);

/** The one line a record is stored as: its text as received when that will do, else its value written out. */
export function storedText(text: string | undefined, value: unknown, { rewrite = false } = {}): string {
  return text !== undefined && !rewrite && !needsRewrite(text) ? text : JSON.stringify(value);
}
