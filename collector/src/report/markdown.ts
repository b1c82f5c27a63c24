// The report in Markdown, for people: the verdict first, then each section as a table.
import type { Report } from './model.js';
import { servicesByDay } from './pivot.js';
import { accessTables, MOST_LISTED_ENTRIES } from './access.js';
import { gapTables, nothingLost } from './gaps.js';
import { auditSentence, checkpointsIntro, deletionSentence, droppedTotal, epochSentence, figure, headerRows, latestListed, noAccessEntries, noAudit, noCheckpoints, noDeletions, noGaps, recordsTotal, redactedTotal, TITLE, unreadableSentence, verdict } from './sentences.js';

/** Text from records made safe in a table cell: no column breaks, no markup, one line. */
const cell = (s: string): string => s.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');

/** A table; the `numeric` columns aligned right. */
function table(head: string[], rows: string[][], { numeric = [] as number[] } = {}): string[] {
  return [`| ${head.map(cell).join(' | ')} |`, `|${head.map((_, i) => (numeric.includes(i) ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`), ''];
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [`# ${TITLE}`, ''];
  out.push(...headerRows(r).map(([k, v]) => `- **${k}**: ${cell(v!)}`), '');
  out.push(`## Verification: ${r.verify.ok && r.verify.epochs.length > 0 ? 'OK' : r.verify.ok ? 'NO EVIDENCE' : '**FAIL**'}`, '', verdict(r), '');
  out.push(...table(['epoch', 'result', 'detail'], r.verify.epochs.map((e) => {
    const s = epochSentence(e);
    return [e.epoch, s.status, s.text];
  })));
  if (r.verify.audit.length > 0) {
    out.push(...table(['audit log day', 'result', 'detail'], r.verify.audit.map((a) => {
      const s = auditSentence(a);
      return [a.epoch, s.status, s.text];
    })));
  }

  out.push('## Records per service and day', '', recordsTotal(r), '');
  const p = servicesByDay(r.records);
  if (r.records.total > 0) out.push(...table(p.head, [...p.rows, p.total], { numeric: p.head.map((_, i) => i).slice(1) }));
  const unreadable = unreadableSentence(r);
  if (unreadable) out.push(`**${unreadable}**`, '');

  out.push('## Redactions per rule', '', redactedTotal(r), '');
  if (r.redactions.rules.length > 0) out.push(...table(['rule', 'values redacted', 'records'], r.redactions.rules.map((x) => [x.rule, figure(x.count), figure(x.records)]), { numeric: [1, 2] }));

  out.push('## Gaps and silent sources', '');
  if (nothingLost(r.gaps)) out.push(noGaps, '');
  else {
    out.push(droppedTotal(r), '');
    for (const t of gapTables(r.gaps, figure)) out.push(`**${t.title}**`, '', ...table(t.head, t.rows, { numeric: t.numeric }));
  }

  out.push('## Retention actions', '');
  if (r.retention.deletions.length === 0) out.push(noDeletions, '');
  else out.push(...table(['epoch', 'deletion'], r.retention.deletions.map((d) => [d.epoch, deletionSentence(d)])));

  out.push('## Access', '');
  if (!r.access.available) out.push(noAudit, '');
  else if (r.access.entries.length === 0) out.push(noAccessEntries, '');
  else {
    if (r.access.entries.length > MOST_LISTED_ENTRIES) out.push(latestListed(r), '');
    for (const t of accessTables(r.access, figure)) out.push(`**${t.title}**`, '', ...table(t.head, t.rows, { numeric: t.numeric }));
  }

  out.push('## Last signed checkpoints', '', checkpointsIntro, '');
  for (const c of r.verify.checkpoints) out.push(`### ${c.epoch}`, '', '```', c.note.trimEnd(), '```', '');
  if (r.verify.checkpoints.length === 0) out.push(noCheckpoints, '');
  return out.join('\n');
}
