import { describe, expect, it } from 'vitest';
import { judgeTaxonomy } from '../../../../services/judge/taxonomy.ts';
import { valueColumnsOf } from '../../../../services/producer/value-columns.ts';

const none = { for: null, against: null };
const columns = ['id', 'for_question', 'against_question', 'issue_description'];

describe('value columns', () => {
  it('are the ones the file names for them, said to be found', () => {
    expect(valueColumnsOf([...columns, 'for_value', 'against_value'], none, 'd')).toEqual({
      for: 'for_value',
      against: 'against_value',
      how: 'found',
    });
    expect(valueColumnsOf([...columns, 'value_for', 'value_against'], none, 'd')).toEqual({
      for: 'value_for',
      against: 'value_against',
      how: 'found',
    });
  });

  it('are none when the file has none, or when the names are ambiguous', () => {
    expect(valueColumnsOf(columns, none, 'd')).toBeNull();
    expect(
      valueColumnsOf([...columns, 'for_value_a', 'for_value_b', 'against_value'], none, 'd'),
    ).toBeNull();
  });

  it('are the ones the flags name, which must exist (the error lists the columns)', () => {
    expect(valueColumnsOf([...columns, 'v1', 'v2'], { for: 'v1', against: 'v2' }, 'd')).toEqual({
      for: 'v1',
      against: 'v2',
      how: 'named',
    });
    expect(() => valueColumnsOf(columns, { for: 'v1', against: 'v2' }, 'data.parquet')).toThrow(
      /data.parquet: no column v1, v2; its columns: id, for_question/,
    );
    expect(() => valueColumnsOf([...columns, 'v1'], { for: 'v1', against: null }, 'd')).toThrow(
      /name both/,
    );
  });
});

describe('the judge taxonomy', () => {
  const selection = {
    datasetId: 'file:d.jsonl',
    revision: 'r',
    split: 'test',
    limit: null,
    sampleSeed: null,
    pairIds: null,
  };
  const row = (forValue: string | null, againstValue: string | null) => ({
    id: '1',
    issueDescription: 'i',
    forQuestion: 'f',
    againstQuestion: 'a',
    issueScale: null,
    category: null,
    articleTitle: null,
    forValue,
    againstValue,
  });

  it('is every value of the value columns, sorted, or none when values are off', async () => {
    const dataset = {
      rows: () => [row('liberty', 'care'), row('care', 'fairness'), row(null, '')].values(),
      columns: [...columns, 'for_value', 'against_value'],
      valueColumns: { for: 'for_value', against: 'against_value', how: 'found' as const },
      selection,
    };
    expect(await judgeTaxonomy({ from: 'dataset' }, dataset)).toEqual([
      'care',
      'fairness',
      'liberty',
    ]);
    expect(await judgeTaxonomy(null, dataset)).toBeNull();
  });

  it('stops a values analysis on a dataset without value columns, listing its columns', async () => {
    const dataset = {
      rows: () => [row(null, null)].values(),
      columns,
      valueColumns: null,
      selection,
    };
    await expect(judgeTaxonomy({ from: 'dataset' }, dataset)).rejects.toThrow(
      /--judge-values.*file:d.jsonl has no value columns; its columns: id, for_question, against_question, issue_description/,
    );
  });
});
