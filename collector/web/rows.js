// The table's rows: a record (opens to the record view), a notice, a line that is not a record.
// Every value from a record goes into the page as text, never as HTML: records carry whatever
// clients sent.
import { recordView } from './record.js';
import { marked, rulesOf } from './redactions.js';
import { visible } from './shown.js';

const COLUMNS = 7;

function cell(content, className) {
  const td = document.createElement('td');
  if (Array.isArray(content)) td.append(...content);
  else td.textContent = content == null ? '' : visible(String(content));
  // A long value is cut with an ellipsis (see app.css): the whole of it on hover, and in the record view.
  td.title = td.textContent;
  if (className) td.className = className;
  return td;
}

/** A record's row; `key` is what tells it from another (its JSON), for the live tail. */
export function recordRow(r) {
  const tr = document.createElement('tr');
  tr.className = 'record';
  tr.key = JSON.stringify(r);
  const code = Number(r.response_code);
  const time = typeof r.start_time === 'string' ? r.start_time.replace('T', ' ').replace('Z', '') : '';
  tr.append(cell(time), cell(code, `s${Math.floor(code / 100)}`), cell(r.method), cell(r.service || r.workload),
    cell(r.duration, 'num'), cell(marked(`${r.authority || ''}${r.path || ''}`, rulesOf(r)), 'path'), cell(r.request_id));
  tr.addEventListener('click', () => {
    if (tr.nextSibling && tr.nextSibling.className === 'detail') return tr.nextSibling.remove();
    const detail = document.createElement('tr');
    detail.className = 'detail';
    const td = cell([recordView(r)]);
    td.colSpan = COLUMNS;
    detail.append(td);
    tr.after(detail);
  });
  return tr;
}

export function noticeRow(text) {
  const tr = document.createElement('tr');
  tr.className = 'notice';
  const td = cell(text);
  td.colSpan = COLUMNS;
  tr.append(td);
  return tr;
}

/** What is shown in place of a line that is not a record: the page goes on. */
export function unreadableRow(text) {
  const tr = noticeRow(`unreadable, not a record: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`);
  tr.classList.add('unreadable');
  return tr;
}

/** A line as a record (a JSON object), or null when it is not one. */
export function asRecord(line) {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
