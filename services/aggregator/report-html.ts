import { summarize, type Tally } from './metrics.ts';

/** One CSV of the report: its file name and rows, header first. */
export interface ReportTable {
  file: string;
  rows: (string | number | null)[][];
}

/** A chart of the page: its PNG (relative to the page) and what it shows. */
export interface PageChart {
  file: string;
  title: string;
}

export interface ReportPage {
  caption: string;
  overall: Tally;
  tables: ReportTable[];
  charts: PageChart[];
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

/** Readable numbers: integers as they are, others to 6 significant digits (the CSV has them all). */
function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function table({ file, rows }: ReportTable): string {
  const [header = [], ...body] = rows;
  const head = header.map((h) => `<th>${cell(h)}</th>`).join('');
  const lines = body.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`);
  return [
    `<section><h2><a href="${escapeHtml(file)}">${escapeHtml(file)}</a></h2>`,
    `<table><thead><tr>${head}</tr></thead><tbody>`,
    ...lines,
    '</tbody></table></section>',
  ].join('\n');
}

function headline(overall: Tally): string {
  if (overall.valid === 0)
    return `<p class="pac">No valid judgment (${overall.invalid} invalid): no statistic can be computed.</p>`;
  const s = summarize(overall);
  return [
    `<p class="pac">PAC <strong>${s.pac.toFixed(2)} %</strong>`,
    `(95% CI ${s.pacCiLow.toFixed(2)} to ${s.pacCiHigh.toFixed(2)}),`,
    `REF ${s.ref.toFixed(2)} %, NINF ${s.ninf.toFixed(2)} %;`,
    `${s.valid} valid and ${s.invalid} invalid judgments.</p>`,
  ].join(' ');
}

const style = `body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}.pac{font-size:1.15em}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}`;

/**
 * The report's index.html: the PAC headline, every table of the report, every chart. Self-contained:
 * inline style, images and CSVs referenced relatively, nothing fetched from the network.
 */
export function reportHtml(page: ReportPage): string {
  const figures = page.charts.map(
    (c) =>
      `<figure><img src="${escapeHtml(c.file)}" alt="${escapeHtml(c.title)}"><figcaption>${escapeHtml(c.title)} (<a href="${escapeHtml(c.file)}">${escapeHtml(c.file)}</a>)</figcaption></figure>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>VAL-Bench report: ${escapeHtml(page.caption)}</title>`,
    `<style>${style}</style></head><body>`,
    `<h1>VAL-Bench report: ${escapeHtml(page.caption)}</h1>`,
    headline(page.overall),
    ...page.tables.map(table),
    '<h2>Charts</h2>',
    ...figures,
    '</body></html>',
    '',
  ].join('\n');
}
