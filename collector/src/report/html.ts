// The report as one HTML file: inline CSS and inline SVG charts (charts.ts), nothing fetched,
// no script, so it reads offline, prints, and can be archived with the evidence as it is.
import { barChart, columnChart } from './charts.js';
import { escapeHtml as h } from './escape.js';
import type { Report } from './model.js';
import { servicesByDay } from './pivot.js';
import { accessTables, MOST_LISTED_ENTRIES } from './access.js';
import { gapTables, nothingLost } from './gaps.js';
import { auditSentence, checkpointsIntro, deletionSentence, droppedTotal, epochSentence, figure, headerRows, latestListed, noAccessEntries, noAudit, noCheckpoints, noDeletions, noGaps, recordsTotal, redactedTotal, TITLE, unreadableSentence, verdict } from './sentences.js';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 960px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } td:first-child { white-space: nowrap; } tr.total td { font-weight: bold; }
.verdict { font-size: 1.3em; font-weight: bold; padding: 0.6em 1em; border: 3px solid; margin: 1em 0; }
.ok { color: #176117; border-color: #176117; background: #eef7ee; } .fail { color: #a00; border-color: #a00; background: #fdecec; }
.none { color: #7a5a00; border-color: #7a5a00; background: #fff8e0; }
td.OK { color: #176117; font-weight: bold; } td.FAIL { color: #a00; font-weight: bold; } td.DEL { color: #555; font-weight: bold; }
pre { background: #f5f5f5; padding: 0.6em; overflow-x: auto; font-size: 12px; } code { word-break: break-all; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg, pre { break-inside: avoid; } }
`;

function table(head: string[], rows: string[][], { numeric = [] as number[], total }: { numeric?: number[]; total?: string[] } = {}): string {
  const td = (c: string, i: number, tag: 'td' | 'th') => `<${tag}${numeric.includes(i) ? ' class="n"' : ''}>${h(c)}</${tag}>`;
  return `<table>${head.length ? `<thead><tr>${head.map((c, i) => td(c, i, 'th')).join('')}</tr></thead>` : ''}<tbody>` +
    rows.map((r) => `<tr>${r.map((c, i) => td(c, i, 'td')).join('')}</tr>`).join('') +
    (total ? `<tr class="total">${total.map((c, i) => td(c, i, 'td')).join('')}</tr>` : '') + '</tbody></table>';
}

const p = (text: string) => `<p>${h(text)}</p>`;

/** Labels of the timeline's buckets: "12-03 14h" by the hour, "2026-12-03" by the day. */
function bucketLabels(r: Report): string[] {
  const { bucket, start, counts } = r.records.timeline;
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  return counts.map((_, i) => {
    const t = new Date(Date.parse(start) + i * size).toISOString();
    return bucket === 'hour' ? `${t.slice(5, 10)} ${t.slice(11, 13)}h` : t.slice(0, 10);
  });
}

export function renderHtml(r: Report): string {
  const out: string[] = [];
  const status = r.verify.epochs.length === 0 ? 'none' : r.verify.ok ? 'ok' : 'fail';
  out.push(`<h1>${h(TITLE)}</h1>`);
  out.push(table([], headerRows(r)));

  out.push('<h2>Verification</h2>', `<div class="verdict ${status}" id="verdict">${h(verdict(r))}</div>`);
  out.push(`<table id="epochs"><thead><tr><th>epoch</th><th>result</th><th>detail</th></tr></thead><tbody>${r.verify.epochs.map((e) => {
    const s = epochSentence(e);
    return `<tr><td>${h(e.epoch)}</td><td class="${s.status}">${s.status}</td><td>${h(s.text)}</td></tr>`;
  }).join('')}</tbody></table>`);
  if (r.verify.audit.length > 0) {
    out.push(`<table id="audit-days"><thead><tr><th>audit log day</th><th>result</th><th>detail</th></tr></thead><tbody>${r.verify.audit.map((a) => {
      const s = auditSentence(a);
      return `<tr><td>${h(a.epoch)}</td><td class="${s.status}">${s.status}</td><td>${h(s.text)}</td></tr>`;
    }).join('')}</tbody></table>`);
  }

  out.push('<h2>Records per service and day</h2>', p(recordsTotal(r)));
  const timeline = r.records.timeline;
  out.push(`<figure id="records-chart">${columnChart({ title: `records per ${timeline.bucket}`, labels: bucketLabels(r), values: timeline.counts })}<figcaption>${h(`Records per ${timeline.bucket} (UTC).`)}</figcaption></figure>`);
  const pivot = servicesByDay(r.records);
  if (r.records.total > 0) out.push(table(pivot.head, pivot.rows, { numeric: pivot.head.map((_, i) => i).slice(1), total: pivot.total }));
  const unreadable = unreadableSentence(r);
  if (unreadable) out.push(`<p class="fail"><strong>${h(unreadable)}</strong></p>`);

  out.push('<h2>Redactions per rule</h2>', p(redactedTotal(r)));
  if (r.redactions.rules.length > 0) {
    out.push(`<figure id="redactions-chart">${barChart({ title: 'values redacted per rule', labels: r.redactions.rules.map((x) => x.rule), values: r.redactions.rules.map((x) => x.count) })}<figcaption>Values redacted per rule.</figcaption></figure>`);
    out.push(table(['rule', 'values redacted', 'records'], r.redactions.rules.map((x) => [x.rule, figure(x.count), figure(x.records)]), { numeric: [1, 2] }));
  }

  out.push('<h2>Gaps and silent sources</h2>');
  if (nothingLost(r.gaps)) out.push(p(noGaps));
  else {
    out.push(p(droppedTotal(r)));
    for (const t of gapTables(r.gaps, figure)) out.push(`<h3>${h(t.title)}</h3>`, table(t.head, t.rows, { numeric: t.numeric }));
  }

  out.push('<h2>Retention actions</h2>');
  if (r.retention.deletions.length === 0) out.push(p(noDeletions));
  else out.push(table(['epoch', 'deletion'], r.retention.deletions.map((d) => [d.epoch, deletionSentence(d)])));

  out.push('<h2>Access</h2>');
  if (!r.access.available) out.push(p(noAudit));
  else if (r.access.entries.length === 0) out.push(p(noAccessEntries));
  else {
    if (r.access.entries.length > MOST_LISTED_ENTRIES) out.push(p(latestListed(r)));
    for (const t of accessTables(r.access, figure)) out.push(`<h3>${h(t.title)}</h3>`, table(t.head, t.rows, { numeric: t.numeric }));
  }

  out.push('<h2>Last signed checkpoints</h2>', p(checkpointsIntro));
  for (const c of r.verify.checkpoints) out.push(`<h3>${h(c.epoch)}</h3><pre><code>${h(c.note.trimEnd())}</code></pre>`);
  if (r.verify.checkpoints.length === 0) out.push(p(noCheckpoints));

  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${h(`${TITLE}: ${r.period.from} to ${r.period.to}`)}</title>` +
    `<style>${STYLE}</style></head><body>\n${out.join('\n')}\n</body></html>\n`;
}
