// How a record's text is shown: bidi and C0/C1 control characters as visible escapes (`\u202E`),
// so that a client cannot make a value read as another (`/rtl/\u202Egnp.exe` as `/rtl/exe.png`).
// Only what is shown: a copy takes the real value.
const HIDDEN = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
/** The same, line breaks kept: for text whose lines are its layout (the record as indented JSON). */
const HIDDEN_IN_LINES = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

const escaped = (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

export const visible = (text, { lines = false } = {}) => text.replace(lines ? HIDDEN_IN_LINES : HIDDEN, escaped);
