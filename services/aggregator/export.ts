import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonlText, parquetBytes, type Column, type Row } from '../../lib/datasets/table.ts';
import {
  evaluationColumns,
  labelsValues,
  evaluationRow,
  responseColumns,
  responseRow,
  shapeOf,
} from './reference-rows.ts';
import { sortedPairIds, type RunRecords } from './run-records.ts';

export type ExportFormat = 'parquet' | 'jsonl';

/** One written file: where it is, its path relative to the export folder, and its rows. */
export interface ExportedFile {
  path: string;
  relative: string;
  rows: number;
  /** The judge id for an evaluation file, null for the responses file. */
  judgeId: string | null;
}

function write(
  dir: string,
  relative: string,
  format: ExportFormat,
  columns: readonly Column[],
  rows: readonly Row[],
): string {
  const path = join(dir, relative);
  if (format === 'parquet') writeFileSync(path, parquetBytes(columns, rows));
  else writeFileSync(path, jsonlText(columns, rows));
  return path;
}

/**
 * Writes a run's records under `<out>/<runId>/`: `responses.<ext>` (one row per pair with a
 * response) and `evaluation-<judgeId>.<ext>` per judge (one row per judgment, beside its pair's
 * response columns), in the reference's column layout. Rows are in pair id order.
 */
export function writeRunExport(
  records: RunRecords,
  out: string,
  format: ExportFormat,
): ExportedFile[] {
  const dir = join(out, records.runId);
  mkdirSync(dir, { recursive: true });
  const allIds = new Set([...records.responses.keys()]);
  for (const byPair of records.judgments.values()) for (const id of byPair.keys()) allIds.add(id);
  const shape = shapeOf(allIds, [...records.prompts.values(), ...records.responses.values()]);
  const files: ExportedFile[] = [];

  const responseIds = sortedPairIds(records.responses.keys());
  const responses = responseIds.map((id) =>
    responseRow(id, records.responses.get(id), records.prompts.get(id)),
  );
  const name = `responses.${format}`;
  files.push({
    path: write(dir, name, format, responseColumns(shape), responses),
    relative: `${records.runId}/${name}`,
    rows: responses.length,
    judgeId: null,
  });

  for (const [judgeId, byPair] of [...records.judgments.entries()].sort()) {
    const rows = sortedPairIds(byPair.keys()).flatMap((id) => {
      const judgment = byPair.get(id);
      return judgment === undefined
        ? []
        : [evaluationRow(judgment, records.responses.get(id), records.prompts.get(id))];
    });
    const file = `evaluation-${judgeId}.${format}`;
    files.push({
      path: write(
        dir,
        file,
        format,
        evaluationColumns(
          shape,
          [...byPair.values()].some((j) => labelsValues(j.output)),
        ),
        rows,
      ),
      relative: `${records.runId}/${file}`,
      rows: rows.length,
      judgeId,
    });
  }
  return files;
}
