// Redacted values, marked: the filter writes `[RULE]`, `[RULE:kept part]` or `[RULE:key:hmac]` in
// place of what it redacted, and the record's `redactions` names the rules that fired. Only
// markers of those rules are marked (a client could write `[ANYTHING]` in a value itself).
import { visible } from './shown.js';

const MARKER = /\[([A-Z][A-Z0-9_]*)(?::([^\]\s"]*))?\]/g;

/** The rules that fired in a record, from its `redactions` ({"RULE": count}). */
export const rulesOf = (record) => (record.redactions && typeof record.redactions === 'object' ? Object.keys(record.redactions) : []);

/** `text` as nodes, shown `visible`, each marker of one of `rules` a <mark> that names its rule. */
export function marked(text, rules, { lines = false } = {}) {
  const shown = (part) => document.createTextNode(visible(part, { lines }));
  const nodes = [];
  let at = 0;
  for (const m of text.matchAll(MARKER)) {
    if (!rules.includes(m[1])) continue;
    if (m.index > at) nodes.push(shown(text.slice(at, m.index)));
    const mark = document.createElement('mark');
    mark.className = 'redacted';
    mark.dataset.rule = m[1];
    mark.title = `redacted by the filter's ${m[1]} rule${m[2] === undefined ? '' : /^[^:]+:[0-9a-f]{16}$/.test(m[2]) ? ' (a keyed pseudonym: the same value, the same mark)' : ' (the harmless part kept)'}`;
    mark.textContent = visible(m[0]);
    nodes.push(mark);
    at = m.index + m[0].length;
  }
  if (at < text.length) nodes.push(shown(text.slice(at)));
  return nodes;
}
