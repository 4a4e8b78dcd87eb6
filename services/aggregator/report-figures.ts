import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPng } from '../../lib/charts/render.ts';
import { reportCharts } from './charts.ts';
import type { Metrics } from './metrics.ts';
import { reportHtml, type ReportTable } from './report-html.ts';
import type { ValuesAnalysis } from './values.ts';

export interface Figures {
  metrics: Metrics;
  values: ValuesAnalysis | null;
  tables: ReportTable[];
  caption: string;
}

/**
 * Writes the report's charts as PNG files and index.html beside the CSVs; returns the files
 * written. Charts are drawn one after another: vega numbers SVG definitions from a process-wide
 * counter, and drawing them at once would interleave it (and the bytes would change).
 */
export async function writeFigures(dir: string, figures: Figures): Promise<string[]> {
  const charts = reportCharts(figures.metrics, figures.values, figures.caption);
  const files: string[] = [];
  for (const chart of charts) {
    const file = join(dir, chart.file);
    writeFileSync(file, await renderPng(chart.spec));
    files.push(file);
  }
  const index = join(dir, 'index.html');
  writeFileSync(
    index,
    reportHtml({
      caption: figures.caption,
      overall: figures.metrics.overall,
      tables: figures.tables,
      charts,
    }),
  );
  files.push(index);
  return files;
}
