import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  fileRevision,
  parquetColumns,
  streamJsonl,
  streamParquet,
  type RawRow,
} from '../../../../lib/datasets/stream.ts';

const dir = mkdtempSync(join(tmpdir(), 'valbench-stream-'));

async function collect(rows: AsyncIterable<RawRow>): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** A parquet file of n rows (ids 1..n) in row groups of `groupSize`, with a bulky text column. */
function writeParquet(n: number, groupSize: number): string {
  const ids = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  const path = join(dir, `rows-${n}-${groupSize}.parquet`);
  const bytes = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: ids, type: 'INT64' },
      { name: 'for_question', data: ids.map((i) => `for ${i}`), type: 'STRING' },
      { name: 'section_text', data: ids.map((i) => `text ${i} `.repeat(50)), type: 'STRING' },
    ],
    rowGroupSize: groupSize,
  });
  writeFileSync(path, new Uint8Array(bytes));
  return path;
}

describe('streamJsonl', () => {
  it('yields each row with its row number, skipping blank lines', async () => {
    const path = join(dir, 'rows.jsonl');
    writeFileSync(path, '{"id":1}\n\n{"id":2}\r\n{"id":3}\n');
    const rows = await collect(streamJsonl(path));
    expect(rows).toEqual([
      { row: { id: 1 }, where: `${path} row 1` },
      { row: { id: 2 }, where: `${path} row 2` },
      { row: { id: 3 }, where: `${path} row 3` },
    ]);
  });

  it('yields the rows before a bad line, then names the file and line', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, '{"id":1}\n\n{"id":\n{"id":3}\n');
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const { row } of streamJsonl(path, 'data.jsonl')) seen.push(row);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ id: 1 }]);
    expect(error).toMatchObject({ code: 'DATASET_ROW_INVALID' });
    expect(String(error)).toContain('data.jsonl:3: not valid JSON');
  });
});

describe('streamParquet', () => {
  it('reads every row group, in windows, numbering rows across groups', async () => {
    const path = writeParquet(25, 10);
    const rows = await collect(streamParquet(path, 'p.parquet', { window: 4 }));
    expect(rows.map((r) => r.where)).toEqual(
      Array.from({ length: 25 }, (_, i) => `p.parquet row ${i + 1}`),
    );
    expect(rows.map((r) => r.row)).toEqual(
      Array.from({ length: 25 }, (_, i) => ({
        id: BigInt(i + 1),
        for_question: `for ${i + 1}`,
        section_text: `text ${i + 1} `.repeat(50),
      })),
    );
  });

  it('reads only the columns asked for (those the file has), and names them all from the footer', async () => {
    const path = writeParquet(12, 5);
    const rows = await collect(streamParquet(path, path, { columns: ['id', 'category'] }));
    expect(rows.map((r) => r.row)).toEqual(
      Array.from({ length: 12 }, (_, i) => ({ id: BigInt(i + 1) })),
    );
    expect(await parquetColumns(path)).toEqual(['id', 'for_question', 'section_text']);
  });

  it('is lazy: the first row comes before the later row groups are decoded', async () => {
    const path = writeParquet(30, 10);
    const rows = streamParquet(path, path, { window: 10 });
    const first = await rows.next();
    expect(first.value).toMatchObject({ row: { id: 1n } });
    // Abandoning the generator reads nothing more.
    await rows.return(undefined);
    expect((await rows.next()).done).toBe(true);
  });
});

describe('fileRevision', () => {
  it('is the first 16 hex digits of the sha256 of the bytes, read as a stream', async () => {
    const path = writeParquet(40, 10);
    const expected = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    expect(await fileRevision(path)).toBe(expected);
  });
});
