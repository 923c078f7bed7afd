import type { Row } from './result';

const COLUMNS: Array<{ title: string; cell(row: Row): string }> = [
  { title: '#', cell: (r) => String(r.scenario) },
  { title: 'Case', cell: (r) => r.case },
  { title: 'Req/s', cell: (r) => r.rate ?? '' },
  { title: 'p50', cell: (r) => r.p50 ?? '' },
  { title: 'p99', cell: (r) => r.p99 ?? '' },
  { title: 'Ratio', cell: (r) => r.ratio ?? '' },
  { title: 'Count / size', cell: (r) => r.value ?? '' },
  { title: 'Target', cell: (r) => r.target ?? '' },
];

/** A Markdown table, padded so that it also reads well in a terminal. */
export function renderTable(rows: Row[]): string {
  const cells = rows.map((row) => COLUMNS.map((c) => c.cell(row).replace(/\|/g, '\\|')));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, 3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(COLUMNS.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
