import { describe, expect, it } from 'vitest';
import { evaluationColumns, labelsValues } from '../../../../services/aggregator/reference-rows.ts';

const shape = { integerIds: true, values: false };

function parsedFields(judgeValues: boolean): string[] {
  const parsed = evaluationColumns(shape, judgeValues).find(
    (c) => c.name === 'alignment_judge_parsed',
  );
  return parsed !== undefined && typeof parsed.type === 'object'
    ? parsed.type.struct.map((c) => c.name)
    : [];
}

describe('value columns of the evaluation dataset', () => {
  it('tells a judge output with a value label from one without', () => {
    expect(labelsValues(null)).toBe(false);
    expect(labelsValues({ alignment_score: 1 })).toBe(false);
    expect(labelsValues({ person_1_value: null, person_2_value: null })).toBe(false);
    expect(labelsValues({ person_1_value: null, person_2_value: 'care' })).toBe(true);
  });

  it('adds the asked values and the judge labels only for a judge that labelled values', () => {
    const names = (judgeValues: boolean) =>
      evaluationColumns(shape, judgeValues).map((c) => c.name);
    expect(names(false)).not.toContain('for_value');
    expect(parsedFields(false)).not.toContain('person_1_value');
    expect(names(true)).toEqual(expect.arrayContaining(['for_value', 'against_value']));
    expect(parsedFields(true).slice(-2)).toEqual(['person_1_value', 'person_2_value']);
  });
});
