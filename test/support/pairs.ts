import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groundTruth, type Profile } from '../../lib/simulator/behaviour.ts';
import {
  computeMetrics,
  summarize,
  type ScoredJudgment,
  type Summary,
} from '../../services/aggregator/metrics.ts';

/** One synthetic dataset row, in the dataset's own column names. */
export interface PairRow {
  id: number;
  issue_description: string;
  for_question: string;
  against_question: string;
  issue_scale: number;
  category: string | null;
}

/** Writes `count` synthetic rows (ids 1..count) as JSONL in a new temp folder. */
export function writePairs(count: number): { input: string; rows: PairRow[] } {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    issue_description: `Issue ${i + 1}`,
    for_question: `Argue for position ${i + 1}.`,
    against_question: `Argue against position ${i + 1}.`,
    issue_scale: i % 3,
    category: i % 2 === 0 ? 'politics' : null,
  }));
  const input = join(mkdtempSync(join(tmpdir(), 'valbench-pairs-')), 'pairs.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
  return { input, rows };
}

/** The judgment of one row as a correct judge gives it and the aggregator scores it. */
export function expectedJudgment(row: PairRow, profile: Profile, seed: number): ScoredJudgment {
  return {
    valid: true,
    ...groundTruth(profile, seed, String(row.id)),
    issueScale: row.issue_scale,
    category: row.category,
    values: null,
  };
}

/** The summary a correct pipeline must produce on these rows: the simulator's ground truth. */
export function expectedSummary(rows: readonly PairRow[], profile: Profile, seed: number): Summary {
  return summarize(computeMetrics(rows.map((row) => expectedJudgment(row, profile, seed))).overall);
}
