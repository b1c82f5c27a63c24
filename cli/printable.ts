// Text the CLI prints for people comes from records and from the collector: whatever a client
// or a producer sent. A control character would reach the operator's terminal as a command
// (ESC [ moves the cursor or rewrites the screen, OSC sets the title, and the C1 control 0x9b is
// CSI in one character), so every C0 and C1 control and DEL is printed as an escape instead, and
// so are the bidirectional overrides that make text read other than it is. --json output is
// not passed through here: it stays exact JSON, for programs.

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The text with every control character shown as an escape (\n, \x1b, \x9b, \u202e). */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}
