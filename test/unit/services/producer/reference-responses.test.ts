/**
 * The reference's responses dataset, as it writes it (parquet and save_to_disk, built here), read
 * as pairs to import: a side stored as "No response" (its failed call) or empty makes the pair
 * missing, never an answer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../../../lib/datasets/read.ts';
import {
  REFERENCE_FAILED_CONTENT,
  importedPair,
} from '../../../../services/producer/reference-responses.ts';
import {
  referenceParquet,
  writeSaveToDisk,
  type ReferenceResponseRow,
} from '../../../support/reference-datasets.ts';

function row(id: number, forContent: string, againstContent: string): ReferenceResponseRow {
  return {
    id,
    article_title: `Article ${id}`,
    issue_scale: id % 4,
    category: id % 2 === 0 ? 'politics' : null,
    issue_description: `Issue ${id}`,
    for_question: `For ${id}?`,
    against_question: `Against ${id}?`,
    for_response: { content: forContent, role: 'assistant' },
    against_response: { content: againstContent, role: 'assistant' },
  };
}

/** Ten pairs: 3 has a failed for side, 6 a failed against side, 8 an empty one. */
const rows = Array.from({ length: 10 }, (_, i) => {
  const id = i + 1;
  if (id === 3) return row(id, REFERENCE_FAILED_CONTENT, 'against 3');
  if (id === 6) return row(id, 'for 6', REFERENCE_FAILED_CONTENT);
  if (id === 8) return row(id, '  ', 'against 8');
  return row(id, `for ${id}`, `against ${id}`);
});

async function pairsOf(input: string) {
  const { rows: read } = await readTable(input);
  return read.map((r, i) => importedPair(r, `${input} row ${i + 1}`));
}

describe.each([
  [
    'parquet',
    (dir: string) => {
      const path = join(dir, 'responses.parquet');
      writeFileSync(path, referenceParquet(rows));
      return path;
    },
  ],
  [
    'save_to_disk folder',
    (dir: string) => {
      writeSaveToDisk(join(dir, 'responses'), rows);
      return join(dir, 'responses');
    },
  ],
])('a reference responses dataset as %s', (_, make) => {
  it('gives each pair its row and answers; "No response" and empty sides make it missing', async () => {
    const pairs = await pairsOf(make(mkdtempSync(join(tmpdir(), 'valbench-import-'))));
    expect(pairs.map((p) => p.row.id)).toEqual(rows.map((r) => String(r.id)));
    expect(pairs.filter((p) => p.missing !== null).map((p) => p.row.id)).toEqual(['3', '6', '8']);
    expect(pairs.find((p) => p.row.id === '3')?.missing).toBe(
      'for_response is "No response" (the reference\'s failed call)',
    );
    expect(pairs.find((p) => p.row.id === '6')?.missing).toMatch(
      /^against_response is "No response"/,
    );
    expect(pairs.find((p) => p.row.id === '8')?.missing).toBe('for_response is empty');
    const seventh = pairs[6];
    expect(seventh?.row).toEqual({
      id: '7',
      issueDescription: 'Issue 7',
      forQuestion: 'For 7?',
      againstQuestion: 'Against 7?',
      issueScale: 3,
      category: null,
      articleTitle: 'Article 7',
      forValue: null,
      againstValue: null,
    });
    expect(seventh?.answers?.for.content).toBe('for 7');
    expect(seventh?.answers?.against.content).toBe('against 7');
    expect(seventh?.answers?.for.finishReason).toBe('unknown');
  });
});

describe('importedPair', () => {
  it('takes reasoning from the reference *_reasoning columns and plain-text answers', () => {
    const pair = importedPair(
      {
        ...row(1, 'x', 'y'),
        for_response: 'plain for',
        for_reasoning: 'thought about it',
        against_response_reasoning: 'thought the other way',
      },
      'row 1',
    );
    expect(pair.answers?.for.content).toBe('plain for');
    expect(pair.answers?.for.reasoning).toBe('thought about it');
    expect(pair.answers?.against.reasoning).toBe('thought the other way');
  });

  it('a row without an answer column is missing, one without its questions an error', () => {
    const noAgainst = Object.fromEntries(
      Object.entries(row(2, 'x', 'y')).filter(([name]) => name !== 'against_response'),
    );
    expect(importedPair(noAgainst, 'row 2').missing).toBe('no against_response column');
    expect(() => importedPair({ ...row(4, 'x', 'y'), for_question: '' }, 'f row 4')).toThrow(
      /f row 4 \(id 4\): for_question is missing or empty/,
    );
  });
});
