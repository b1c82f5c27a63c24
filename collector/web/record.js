// The record view: the whole record as JSON, its redacted values marked with their rule, and the
// ids that lead elsewhere (a request's other hops, its trace) with a button to copy each.
import { copyButton } from './copy.js';
import { marked, rulesOf } from './redactions.js';
import { visible } from './shown.js';

/** The ids worth copying, as the record names them and as people do. */
const IDS = [['request_id', 'request id'], ['trace_id', 'trace id'], ['span_id', 'span id']];

export function recordView(record) {
  const view = document.createElement('div');
  view.className = 'record-view';
  const ids = document.createElement('p');
  ids.className = 'ids';
  for (const [field, name] of IDS) {
    if (typeof record[field] !== 'string' || record[field] === '') continue;
    const value = document.createElement('code');
    value.textContent = visible(record[field]);
    ids.append(`${name} `, value, ' ', copyButton(record[field], name), ' ');
  }
  const rules = rulesOf(record);
  const summary = document.createElement('p');
  summary.className = 'redactions';
  summary.textContent = rules.length === 0 ? 'nothing redacted in this record'
    : `redacted before it left the proxy: ${rules.map((r) => `${r} ×${record.redactions[r]}`).join(', ')}`;
  const pre = document.createElement('pre');
  pre.append(...marked(JSON.stringify(record, null, 2), rules, { lines: true }));
  view.append(ids, summary, pre);
  return view;
}
