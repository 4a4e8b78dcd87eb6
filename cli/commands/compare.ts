import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { readPipeline } from '../../lib/config/sections.ts';
import { describeConnectivity } from '../../lib/kafka/connectivity.ts';
import { compareJudges, type RunAgreement } from '../../services/aggregator/judge-agreement.ts';
import { ValbenchError } from '../../lib/errors.ts';
import { summarize } from '../../services/aggregator/metrics.ts';
import { openRunReader, type RunSnapshot } from '../../services/aggregator/read-run.ts';
import { readRunTarget, splitRunArgument } from '../run-target.ts';

export const compareUsage = `usage: valbench compare <run> [options]     (or --run ID)
  every judge of one run side by side, read from the judgments topic (each judgment key counted
  once, the latest record of a key winning): judge id, judge model, pair order reversed or not,
  pairs judged, PAC with its 95% interval, REF, NINF, valid / invalid judgments
  --format table|json (default table)   --topic-prefix valbench.
  exit 1 when the run has no prompt on the prompts topic (no such run)`;

/** One judge's line of the comparison, as JSON prints it (null where there is no valid judgment). */
export interface JudgeRow {
  judgeId: string;
  judgeModel: string;
  judgeProvider: string;
  reversed: boolean;
  judged: number;
  valid: number;
  invalid: number;
  pac: number | null;
  pacCiLow: number | null;
  pacCiHigh: number | null;
  ref: number | null;
  ninf: number | null;
}

export function judgeRows(snapshot: RunSnapshot): JudgeRow[] {
  return [...snapshot.judges.values()].map((j) => {
    const s = summarize(j.metrics.overall);
    const figure = (x: number): number | null => (s.valid === 0 ? null : x);
    return {
      judgeId: j.judgeId,
      judgeModel: j.judge.model,
      judgeProvider: j.judge.provider,
      reversed: j.judge.reversed,
      judged: j.judged.size,
      valid: s.valid,
      invalid: s.invalid,
      pac: figure(s.pac),
      pacCiLow: figure(s.pacCiLow),
      pacCiHigh: figure(s.pacCiHigh),
      ref: figure(s.ref),
      ninf: figure(s.ninf),
    };
  });
}

export function comparisonTable(snapshot: RunSnapshot, rows: readonly JudgeRow[]): string[] {
  const f2 = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2));
  const header = [
    'judge',
    'judge model',
    'reversed',
    'judged',
    'PAC % (95% CI)',
    'REF %',
    'NINF %',
    'valid / invalid',
  ];
  const cells = rows.map((r) => [
    r.judgeId,
    `${r.judgeModel} (${r.judgeProvider})`,
    r.reversed ? 'yes' : 'no',
    `${r.judged}/${snapshot.pairs.size}`,
    r.pac === null ? 'n/a' : `${f2(r.pac)} (${f2(r.pacCiLow)}-${f2(r.pacCiHigh)})`,
    f2(r.ref),
    f2(r.ninf),
    `${r.valid} / ${r.invalid}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    `run ${snapshot.runId}: ${snapshot.pairs.size} pairs, ${snapshot.deadLettered.size} dead-lettered`,
    ...(rows.length === 0
      ? ['no judge has judged this run yet']
      : [line(header), ...cells.map(line)]),
  ];
}

const f3 = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(3));

/** The agreement of each pair of judges (and alpha for three or more), one line each. */
export function agreementLines(agreement: RunAgreement): string[] {
  if (agreement.pairs.length === 0) return [];
  return [
    'agreement over the pairs both judged validly (refusal-adjusted scores):',
    ...agreement.pairs.map(
      (p) =>
        `  ${p.judgeA} vs ${p.judgeB}${p.positionSwap ? ' (position swap)' : ''}: ${p.pairs} pairs, exact ${f3(p.exactAgreement)}, mean |diff| ${f3(p.meanAbsoluteDifference)}, kappa (quadratic) ${f3(p.kappa)}`,
    ),
    ...(agreement.alpha === null
      ? []
      : [
          `  Krippendorff's alpha (interval), ${agreement.alpha.units} pairs: ${f3(agreement.alpha.alpha)}`,
        ]),
  ];
}

/** `valbench compare <run>`: the judges of one run side by side. */
export async function compareCommand(args: readonly string[]): Promise<number> {
  const { positional, rest } = splitRunArgument(args);
  const { settings: s, env, help } = readCommand(rest, [], process.env);
  if (help) {
    console.log(compareUsage);
    return 0;
  }
  const runId = readRunTarget(s, positional);
  const format = s.oneOf('format', ['table', 'json'] as const, 'table');
  const { topicPrefix } = readPipeline(s);
  finishSettings(s);

  const connection = await resolveConnection(env, 'valbench-compare', (line) => {
    console.error(line);
  });
  const reader = await openRunReader(connection, topicPrefix, (event) => {
    console.error(describeConnectivity(event));
  });
  try {
    const snapshot = await reader.read(runId);
    if (snapshot.pairs.size === 0)
      throw new ValbenchError(
        'fatal',
        'RUN_NOT_FOUND',
        `run ${runId} does not exist: no prompt of it on ${reader.names.prompts}`,
      );
    if (snapshot.undecodable > 0)
      console.error(`warning: ${snapshot.undecodable} judgment records could not be decoded`);
    const rows = judgeRows(snapshot);
    const agreement = compareJudges(
      runId,
      new Map([...snapshot.judges].map(([id, j]) => [id, { judge: j.judge, scores: j.scores }])),
    );
    if (format === 'json') {
      const { runId: id, pairs, deadLettered } = snapshot;
      console.log(
        JSON.stringify(
          {
            runId: id,
            pairs: pairs.size,
            deadLettered: deadLettered.size,
            judges: rows,
            agreement: agreement.pairs,
            alpha: agreement.alpha,
          },
          null,
          2,
        ),
      );
    } else {
      for (const line of comparisonTable(snapshot, rows)) console.log(line);
      for (const line of agreementLines(agreement)) console.log(line);
    }
    return 0;
  } finally {
    await reader.close();
  }
}
