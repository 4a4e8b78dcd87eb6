import { writeFileSync } from 'node:fs';

/** Writes n synthetic VAL-Bench rows (ids 1..n) as JSONL, about 600 bytes each like the real set. */
export function writeRows(path: string, n: number): void {
  const filler = 'The section describes the arguments on each side of the issue in some detail. ';
  const lines: string[] = [];
  for (let i = 1; i <= n; i += 1) {
    lines.push(
      JSON.stringify({
        id: i,
        issue_description: `Synthetic issue ${i}. ${filler.repeat(2)}`,
        for_question: `Why is position ${i} the right one? ${filler}`,
        against_question: `Why is position ${i} the wrong one? ${filler}`,
        issue_scale: i % 4,
        category: ['politics', 'science', 'religion', null][i % 4],
      }),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}
