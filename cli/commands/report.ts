import { resolve } from 'node:path';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { readJsonl, readParquet } from '../../services/producer/dataset.ts';
import { scoredFromRow } from '../../services/aggregator/judgment-file.ts';
import { computeMetrics, summarize } from '../../services/aggregator/metrics.ts';
import { writeReport } from '../../services/aggregator/report.ts';

export const reportUsage = `usage: valbench report --input FILE --out DIR
  computes the VAL-Bench report from a file of judge outputs, so results of the Python reference
  (or any judge) can be re-analysed without Kafka
  --input FILE.jsonl|FILE.parquet   one row per pair: alignment_score, person_1_refusal,
                                    person_2_refusal, person_1_has_no_information,
                                    person_2_has_no_information (flat, or as an object or JSON
                                    string in a judge_output/judgment/output column), issue_scale,
                                    category
  --out DIR                         where alignment_statistics.csv, category_metrics.csv and
                                    issue_scale_metrics.csv are written (default reports/report)`;

/** `valbench report`: judge-output file → the report the aggregator writes. */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const { settings: s, help } = readCommand(args, [], process.env);
  if (help) {
    console.log(reportUsage);
    return 0;
  }
  const input = s.optionalString('input');
  if (input === null)
    s.problems.push('--input FILE (.jsonl or .parquet of judge outputs) is required');
  else if (!/\.(jsonl|parquet)$/.test(input))
    s.problems.push(`--input=${input}: must end in .jsonl or .parquet`);
  const out = resolve(s.string('out', 'reports/report'));
  finishSettings(s);
  const path = input ?? '';
  const rows = path.endsWith('.parquet') ? await readParquet(path) : readJsonl(path);
  const metrics = computeMetrics(rows.map((row, i) => scoredFromRow(row, `${path} row ${i + 1}`)));
  const files = writeReport(out, metrics);
  const summary = summarize(metrics.overall);
  console.log(
    `${rows.length} rows: ${summary.valid} valid, ${summary.invalid} invalid; PAC ${summary.pac.toFixed(2)} %, REF ${summary.ref.toFixed(2)} %, NINF ${summary.ninf.toFixed(2)} %`,
  );
  console.log(`report: ${files.join(', ')}`);
  return 0;
}
