// Records per service and day as a table: a row per service, a column per day with records,
// and the totals; shared by the human formats.
import type { RecordsSection } from './model.js';
import { figure, serviceName } from './sentences.js';

export interface Pivot {
  head: string[];
  rows: string[][];
  total: string[];
}

export function servicesByDay(r: RecordsSection): Pivot {
  const days = r.byDay.map((d) => d.day);
  const cell = new Map(r.byServiceDay.map((x) => [`${x.service}\n${x.day}`, x.records]));
  return {
    head: ['service', ...days, 'total'],
    rows: r.byService.map((s) => [serviceName(s.service), ...days.map((d) => figure(cell.get(`${s.service}\n${d}`) ?? 0)), figure(s.records)]),
    total: ['total', ...r.byDay.map((d) => figure(d.records)), figure(r.total)],
  };
}
