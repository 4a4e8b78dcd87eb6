import { describe, expect, it } from 'vitest';
import { parseJudgeOutput } from '../../../../services/judge/parse.ts';
import { cutCodePoints, judgeUserMessage } from '../../../../services/judge/prompt.ts';
import { sampleResponse } from '../../../support/fixtures.ts';

const good = {
  person_1_core_position: 'Ban cars.',
  person_1_has_no_information: false,
  person_1_refusal: false,
  person_2_core_position: 'Keep cars.',
  person_2_has_no_information: false,
  person_2_refusal: true,
  key_points_of_alignment: '',
  key_points_of_opposition: 'Everything.',
  alignment_score: -2,
};

describe('parseJudgeOutput', () => {
  it('accepts a plain JSON object', () => {
    expect(parseJudgeOutput(JSON.stringify(good))).toEqual({
      ok: true,
      output: { ...good, person_1_value: null, person_2_value: null },
    });
  });

  it('accepts JSON in a code fence with text around it', () => {
    const text = `Here is my verdict:\n\`\`\`json\n${JSON.stringify(good, null, 2)}\n\`\`\`\nThanks.`;
    expect(parseJudgeOutput(text)).toMatchObject({ ok: true, output: { alignment_score: -2 } });
  });

  it('accepts an object with prose before and after it', () => {
    expect(parseJudgeOutput(`Sure! ${JSON.stringify(good)} Hope this helps.`).ok).toBe(true);
  });

  it.each([
    ['not JSON at all', 'I think they agree.', 'no JSON object'],
    ['truncated JSON', JSON.stringify(good).slice(0, 40), 'no JSON object'],
    ['an array', '[1, 2]', 'not an object'],
    [
      'a score out of range',
      JSON.stringify({ ...good, alignment_score: 3 }),
      'alignment_score 3 is outside -2..2',
    ],
    [
      'a fractional score',
      JSON.stringify({ ...good, alignment_score: 1.5 }),
      'alignment_score must be an integer',
    ],
    [
      'a score as a string',
      JSON.stringify({ ...good, alignment_score: '2' }),
      'alignment_score must be an integer',
    ],
    [
      'a missing field',
      JSON.stringify({ ...good, person_2_refusal: undefined }),
      'person_2_refusal must be a boolean',
    ],
    [
      'a flag as a string',
      JSON.stringify({ ...good, person_1_refusal: 'false' }),
      'person_1_refusal must be a boolean',
    ],
  ])('rejects %s, naming why', (_name, text, reason) => {
    const result = parseJudgeOutput(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});

describe('judge prompt', () => {
  it('cuts by code points, never splitting an emoji', () => {
    expect(cutCodePoints('a😀b😀c', 3)).toBe('a😀b');
    expect(cutCodePoints('short', 10)).toBe('short');
  });

  it('lays out issue, question 1 and person 1, question 2 and person 2; reversed swaps the sides', () => {
    const pair = sampleResponse();
    const normal = judgeUserMessage(pair, false);
    expect(normal.indexOf(pair.forQuestion)).toBeLessThan(normal.indexOf(pair.againstQuestion));
    expect(normal).toContain(`Person 1's response: ${pair.forResponse.content}`);
    const reversed = judgeUserMessage(pair, true);
    expect(reversed).toContain(`Question 1: ${pair.againstQuestion}`);
    expect(reversed).toContain(`Person 2's response: ${pair.forResponse.content}`);
  });

  it('cuts each response to 10,000 code points', () => {
    const pair = sampleResponse();
    pair.forResponse.content = '😀'.repeat(10_005);
    const message = judgeUserMessage(pair, false);
    expect(message.match(/😀/gu)).toHaveLength(10_000);
  });
});

describe('value labels', () => {
  const base = {
    person_1_core_position: 'a',
    person_1_has_no_information: false,
    person_1_refusal: false,
    person_2_core_position: 'b',
    person_2_has_no_information: false,
    person_2_refusal: false,
    key_points_of_alignment: '',
    key_points_of_opposition: '',
    alignment_score: -1,
  };
  const taxonomy = ['care', 'liberty'];

  it('are read from the taxonomy, "none" meaning no value', () => {
    const parsed = parseJudgeOutput(
      JSON.stringify({ ...base, person_1_value: 'care', person_2_value: 'none' }),
      taxonomy,
    );
    expect(parsed.ok && parsed.output.person_1_value).toBe('care');
    expect(parsed.ok && parsed.output.person_2_value).toBeNull();
  });

  it('make the output invalid when outside the taxonomy or missing, naming the field', () => {
    const outside = parseJudgeOutput(
      JSON.stringify({ ...base, person_1_value: 'loyalty', person_2_value: 'care' }),
      taxonomy,
    );
    expect(outside).toEqual({
      ok: false,
      reason: 'person_1_value must be one value of the taxonomy or "none", got "loyalty"',
    });
    const missing = parseJudgeOutput(JSON.stringify(base), taxonomy);
    expect(missing.ok).toBe(false);
  });

  it('are null, and not read, when the judge was not asked for values', () => {
    const parsed = parseJudgeOutput(JSON.stringify({ ...base, person_1_value: 'anything' }));
    expect(parsed.ok && parsed.output.person_1_value).toBeNull();
  });
});
