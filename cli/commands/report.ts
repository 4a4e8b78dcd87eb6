import { basename, resolve } from 'node:path';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { readTable, tableInputHelp, tableInputProblem } from '../../lib/datasets/read.ts';
import { ValbenchError } from '../../lib/errors.ts';
import {
  columnsOf,
  judgmentColumnsHelp,
  missingValueColumns,
  readJudgmentRow,
} from '../../services/aggregator/judgment-file.ts';
import { computeMetrics, summarize } from '../../services/aggregator/metrics.ts';
import { hasValues, writeReport } from '../../services/aggregator/report.ts';
import { costTable, usageOfRow } from '../../services/aggregator/cost-report.ts';
import { readCostSettings } from '../../lib/cost/settings.ts';
import { analyzeValues } from '../../services/aggregator/values.ts';

export const reportUsage = `usage: valbench report --input FILE|DIR --out DIR
  computes the VAL-Bench report from a file of judge outputs, so results of the Python reference
  (or any judge, or a valbench export) can be re-analysed without Kafka
  --input PATH   ${tableInputHelp}: the reference's evaluation
                 dataset (pushed to the hub as parquet, or saved locally with save_to_disk: pass
                 the folder), a valbench export, or one row per pair with alignment_score and the
                 four refusal / no-information flags, flat or nested (judge_output, judgment,
                 output, alignment_judge_parsed), plus issue_scale and category; with the
                 columns for_value, against_value (the values the questions ask for) and
                 person_1_value, person_2_value (the values the judge saw; empty or null: none;
                 person 1 is the for side unless a boolean column reversed says otherwise)
                 also the values analysis
  --out DIR      where alignment_statistics.csv, category_metrics.csv and issue_scale_metrics.csv
                 (and values.csv, with the values statistics appended to
                 alignment_statistics.csv, when the file has value columns) are written
                 (default reports/report)
  --prices FILE  USD per 1M tokens per model id (default prices/models.json): with token
                 columns (a valbench export: model, judge_model, for_/against_/judge_
                 input/output/reasoning_tokens), cost.csv gives the token totals and the cost`;

/** The most frequent reasons rows were invalid, for the message of a file with none valid. */
function topProblems(problems: readonly (string | null)[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) if (p !== null) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([p, n]) => `${n} × ${p}`)
    .join('; ');
}

/** `valbench report`: judge-output file → the report the aggregator writes. */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const { settings: s, help } = readCommand(args, [], process.env);
  if (help) {
    console.log(reportUsage);
    return 0;
  }
  const input = s.optionalString('input');
  if (input === null) s.problems.push(`--input PATH (${tableInputHelp}) is required`);
  else {
    const problem = tableInputProblem(input);
    if (problem !== null) s.problems.push(`--input ${problem}`);
  }
  const out = resolve(s.string('out', 'reports/report'));
  const { prices } = readCostSettings(s, { budget: false, priced: [] });
  finishSettings(s);
  const path = input ?? '';
  const { rows } = await readTable(path);
  const missingValues = missingValueColumns(rows);
  const withValues = missingValues.length === 0;
  const read = rows.map((row, i) => readJudgmentRow(row, `${path} row ${i + 1}`, withValues));
  const metrics = computeMetrics(read.map((r) => r.judgment));
  const summary = summarize(metrics.overall);
  if (summary.valid === 0) {
    const found = columnsOf(rows);
    throw new ValbenchError(
      'fatal',
      'REPORT_NO_VALID_JUDGMENT',
      `${path}: ${rows.length} rows and not one valid judgment, so no statistic can be computed${rows.length > 0 ? ` (${topProblems(read.map((r) => r.problem))})` : ''}. Columns found: ${found.length > 0 ? found.join(', ') : 'none'}. Looked for: ${judgmentColumnsHelp}.`,
    );
  }
  const cost = costTable(
    rows.flatMap((row, i) =>
      typeof row === 'object' && row !== null && !Array.isArray(row)
        ? [usageOfRow(Object.fromEntries(Object.entries(row)), String(i))]
        : [],
    ),
    prices,
  );
  const files = await writeReport(out, metrics, { caption: basename(path), cost });
  console.log(
    `${rows.length} rows: ${summary.valid} valid, ${summary.invalid} invalid; PAC ${summary.pac.toFixed(2)} %, REF ${summary.ref.toFixed(2)} %, NINF ${summary.ninf.toFixed(2)} %`,
  );
  if (!withValues)
    console.log(`no values analysis: the file lacks the column(s) ${missingValues.join(', ')}`);
  else if (!hasValues(metrics.values))
    console.log('no values analysis: no valid judgment to count values over');
  else {
    const v = analyzeValues(metrics.values);
    console.log(
      `values: ${v.labelled} of ${v.responses} responses labelled (VDR ${v.vdr.toFixed(4)}), k = ${v.k}, reduced chi-square ${v.reducedChiSquare === null ? 'undefined (k < 2)' : v.reducedChiSquare.toPrecision(6)}, p ${v.pValue === null ? 'undefined' : v.pValue.toPrecision(4)}`,
    );
  }
  console.log(`report: ${files.join(', ')}`);
  return 0;
}
