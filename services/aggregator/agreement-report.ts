import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunAgreement } from './judge-agreement.ts';

const cell = (n: number | null): string => (n === null ? '' : String(n));

/**
 * `agreement.csv` of a run judged by two judges or more (a judge and its `--swap-sample` twin
 * included): one row per pair of judges, and Krippendorff's alpha for three or more. Returns the
 * file written, or null when there was nothing to compare.
 */
export function writeAgreementReport(
  dir: string,
  agreement: RunAgreement | undefined,
): string | null {
  if (agreement === undefined || agreement.pairs.length === 0) return null;
  const rows = [
    'Judge A,Judge B,Position swap,Pairs,Exact agreement,Mean absolute difference,Kappa (quadratic)',
    ...agreement.pairs.map((p) =>
      [
        p.judgeA,
        p.judgeB,
        String(p.positionSwap),
        String(p.pairs),
        cell(p.exactAgreement),
        cell(p.meanAbsoluteDifference),
        cell(p.kappa),
      ].join(','),
    ),
    ...(agreement.alpha === null
      ? []
      : [
          `Krippendorff's alpha (interval),all judges,,${agreement.alpha.units},,,${cell(agreement.alpha.alpha)}`,
        ]),
  ];
  const file = join(dir, 'agreement.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}
