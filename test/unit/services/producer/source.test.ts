import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { DatasetSettings } from '../../../../lib/config/sections.ts';
import type { DatasetRow } from '../../../../services/producer/dataset.ts';
import { sampleKey } from '../../../../services/producer/sample.ts';
import { loadDataset } from '../../../../services/producer/source.ts';

const dir = mkdtempSync(join(tmpdir(), 'valbench-source-'));
const n = 60;
const rows = Array.from({ length: n }, (_, i) => ({
  id: i + 1,
  issue_description: `issue ${i + 1}`,
  for_question: `for ${i + 1}`,
  against_question: `against ${i + 1}`,
  issue_scale: i % 3,
  category: i % 2 === 0 ? 'politics' : null,
  section_text: `long text ${i + 1}`,
  for_value: `value ${i % 4}`,
  against_value: `value ${(i + 1) % 4}`,
}));

function writeJsonl(name: string, lines: readonly unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return path;
}

const jsonl = writeJsonl('rows.jsonl', rows);
const parquet = join(dir, 'rows.parquet');
writeFileSync(
  parquet,
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'id', data: rows.map((r) => BigInt(r.id)), type: 'INT64' },
        ...(['issue_description', 'for_question', 'against_question'] as const).map((name) => ({
          name,
          data: rows.map((r) => r[name]),
          type: 'STRING' as const,
        })),
        { name: 'issue_scale', data: rows.map((r) => r.issue_scale), type: 'INT32' },
        { name: 'category', data: rows.map((r) => r.category), type: 'STRING' },
        { name: 'section_text', data: rows.map((r) => r.section_text), type: 'STRING' },
        { name: 'for_value', data: rows.map((r) => r.for_value), type: 'STRING' },
        { name: 'against_value', data: rows.map((r) => r.against_value), type: 'STRING' },
      ],
      rowGroupSize: 7,
    }),
  ),
);

function settings(path: string, over: Partial<DatasetSettings> = {}): DatasetSettings {
  return {
    source: { kind: 'file', path },
    split: 'test',
    limit: null,
    sampleSeed: null,
    pairIds: null,
    valueColumns: { for: null, against: null },
    ...over,
  };
}

async function collect(source: AsyncIterable<DatasetRow>): Promise<DatasetRow[]> {
  const out: DatasetRow[] = [];
  for await (const row of source) out.push(row);
  return out;
}

describe('loadDataset from a local file', () => {
  it.each([
    ['jsonl', jsonl],
    ['parquet', parquet],
  ])(
    'selects a seeded sample from ids and reads its rows again, validated (%s)',
    async (_, path) => {
      const loaded = await loadDataset(settings(path, { limit: 9, sampleSeed: 5 }));
      const expected = rows
        .map((r) => String(r.id))
        .sort((a, b) => (sampleKey(5, a) < sampleKey(5, b) ? -1 : 1))
        .slice(0, 9);
      expect([...loaded.pairIds].sort()).toEqual([...expected].sort());
      const read = await collect(loaded.rows());
      expect(read.map((r) => r.id)).toEqual(
        rows.map((r) => String(r.id)).filter((id) => expected.includes(id)),
      );
      const first = rows.find((r) => String(r.id) === read[0]?.id);
      expect(read[0]).toEqual({
        id: String(first?.id),
        issueDescription: first?.issue_description,
        forQuestion: first?.for_question,
        againstQuestion: first?.against_question,
        issueScale: first?.issue_scale,
        category: first?.category,
        articleTitle: null,
        forValue: first?.for_value,
        againstValue: first?.against_value,
      });
      expect(loaded.valueColumns).toEqual({
        for: 'for_value',
        against: 'against_value',
        how: 'found',
      });
      expect(loaded.columns).toContain('section_text');
      expect(loaded.selection).toMatchObject({ limit: 9, sampleSeed: 5, pairIds: null });
    },
  );

  it('gives the same run selection (dataset, revision) for the same file, read twice', async () => {
    const a = await loadDataset(settings(jsonl, { limit: 3 }));
    const b = await loadDataset(settings(jsonl, { limit: 3 }));
    expect(a.selection).toEqual(b.selection);
    expect(a.selection.datasetId).toBe(`file:${resolve(jsonl)}`);
    expect(a.selection.revision).toMatch(/^[0-9a-f]{16}$/);
    expect([...a.pairIds]).toEqual(['1', '2', '3']);
  });

  it('finds value columns that only a later row has', async () => {
    const path = writeJsonl('late-values.jsonl', [
      { id: 1, issue_description: 'i', for_question: 'f', against_question: 'a' },
      {
        id: 2,
        issue_description: 'i',
        for_question: 'f',
        against_question: 'a',
        for_value: 'x',
        against_value: 'y',
      },
    ]);
    const loaded = await loadDataset(settings(path));
    expect(loaded.valueColumns).toMatchObject({ for: 'for_value', against: 'against_value' });
    expect((await collect(loaded.rows())).map((r) => [r.forValue, r.againstValue])).toEqual([
      [null, null],
      ['x', 'y'],
    ]);
  });

  it('stops on a bad row anywhere in the file, naming it, before any row is published', async () => {
    const path = writeJsonl('bad-row.jsonl', [...rows.slice(0, 40), { id: 99, for_question: 'f' }]);
    await expect(loadDataset(settings(path, { limit: 2 }))).rejects.toThrow(
      /bad-row.jsonl row 41 \(id 99\): against_question is missing or empty; issue_description is missing or empty/,
    );
  });

  it('says so when the file changed between the selection and the reading', async () => {
    const path = writeJsonl('changing.jsonl', rows);
    const loaded = await loadDataset(settings(path));
    writeJsonl('changing.jsonl', rows.slice(0, 50));
    await expect(collect(loaded.rows())).rejects.toThrow(
      /50 of the 60 pairs selected were found when read again/,
    );
  });
});
