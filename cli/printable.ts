// Text the CLI prints for people comes from records and from the collector: whatever a client
// or a producer sent. A control character would reach the operator's terminal as a command
// (ESC [ moves the cursor or rewrites the screen, OSC sets the title, and the C1 control 0x9b is
// CSI in one character), so every C0 and C1 control and DEL is printed as an escape instead, and
// so are the bidirectional overrides that make text read other than it is. --json output is
// written with the same characters as JSON escapes (printableJson): the same values, for
// programs, and nothing a terminal it is shown on would act on.

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const escaped = (c: string): string => {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
};

/** The text with every control character shown as an escape (\n, \x1b, \x9b, \u202e). */
export function printable(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/** A document of lines (Markdown, HTML) with every control character but line breaks and tabs shown as an escape. */
export function printableLines(text: string): string {
  return text.replace(CONTROLS, (c) => (c === '\n' || c === '\t' ? c : escaped(c)));
}

/** A value as one line of JSON whose C1 controls, line separators and bidirectional overrides are \u escapes (JSON.stringify escapes only C0). */
export function printableJson(value: unknown): string {
  return printableJsonText(JSON.stringify(value));
}

/** JSON text (JSON.stringify's) with its C1 controls, line separators and bidirectional overrides as \u escapes: the same value. */
export function printableJsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
