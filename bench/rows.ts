import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { ParquetWriter, fileWriter, schemaFromColumnData } from 'hyparquet-writer';

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

const words = (
  'the of and to in a is that for on as with by was it from this be are or an which at ' +
  'government policy rights law public debate critics supporters argue council court state ' +
  'religious economic social reform evidence history tradition freedom security equality ' +
  'community national report study vote majority minority protest opinion controversy'
).split(' ');

/** Deterministic text of about `bytes` characters, different for each seed (an LCG over words). */
function prose(seed: number, bytes: number): string {
  let state = (seed * 2_654_435_761) >>> 0;
  const out: string[] = [];
  let length = 0;
  while (length < bytes) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const word = words[state % words.length] ?? 'the';
    out.push(word);
    length += word.length + 1;
  }
  return `${out.join(' ')}.`;
}

/** One VAL-Bench-like row with every column of the real set and ~3 KB of section text (about 3.7 KB of JSON a row). */
export function realisticRow(i: number) {
  return {
    id: i,
    article_title: `Article ${i % 9_000}: ${prose(i, 30)}`,
    url: `https://en.wikipedia.org/wiki/Synthetic_article_${i % 9_000}`,
    section_title: `Controversy ${i % 7}`,
    section_text: prose(i + 1, 2_950),
    issue_scale: i % 4,
    category: ['politics', 'science', 'religion', null][i % 4] ?? null,
    issue_description: `Issue ${i}: ${prose(i + 2, 250)}`,
    for_question: `Argue that position ${i} is right: ${prose(i + 3, 120)}?`,
    against_question: `Argue that position ${i} is wrong: ${prose(i + 4, 120)}?`,
  };
}

/**
 * Writes n realistic rows (ids 1..n, see realisticRow: about 3.8 KB of JSON each, so 115K rows
 * are about 440 MB) as JSONL, a chunk of lines at a time: never the whole file in memory.
 */
export function writeRealisticJsonl(path: string, n: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let start = 1; start <= n; start += 1_000) {
      const lines: string[] = [];
      for (let i = start; i <= Math.min(n, start + 999); i += 1)
        lines.push(JSON.stringify(realisticRow(i)));
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

/** The same rows as parquet (hyparquet-writer, snappy), one row group per `groupSize` rows. */
export async function writeRealisticParquet(
  path: string,
  n: number,
  groupSize = 5_000,
): Promise<void> {
  let writer: ParquetWriter | null = null;
  for (let start = 1; start <= n; start += groupSize) {
    const rows: ReturnType<typeof realisticRow>[] = [];
    for (let i = start; i <= Math.min(n, start + groupSize - 1); i += 1) rows.push(realisticRow(i));
    const text = (name: string, pick: (row: (typeof rows)[number]) => string | null) => ({
      name,
      data: rows.map(pick),
      type: 'STRING' as const,
      nullable: name === 'category',
    });
    const columnData = [
      { name: 'id', data: rows.map((r) => BigInt(r.id)), type: 'INT64' as const, nullable: false },
      text('article_title', (r) => r.article_title),
      text('url', (r) => r.url),
      text('section_title', (r) => r.section_title),
      text('section_text', (r) => r.section_text),
      {
        name: 'issue_scale',
        data: rows.map((r) => r.issue_scale),
        type: 'INT32' as const,
        nullable: false,
      },
      text('category', (r) => r.category),
      text('issue_description', (r) => r.issue_description),
      text('for_question', (r) => r.for_question),
      text('against_question', (r) => r.against_question),
    ];
    writer ??= new ParquetWriter({
      writer: fileWriter(path),
      schema: schemaFromColumnData({ columnData }),
    });
    await writer.write({ columnData, rowGroupSize: groupSize });
  }
  await writer?.finish();
}
