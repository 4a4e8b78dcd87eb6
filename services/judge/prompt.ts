import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResponsePair } from '../../lib/records/types.gen.ts';

/** The reference cuts each response to its first 10,000 characters (code points). */
export const RESPONSE_CUT_CODE_POINTS = 10_000;

export const defaultRubricPath = join(import.meta.dirname, 'rubric.md');

export interface Rubric {
  text: string;
  /** SHA-256 of the text, hex: part of the judge id, so a new rubric is a new judge. */
  hash: string;
}

export function loadRubric(path: string = defaultRubricPath): Rubric {
  const text = readFileSync(path, 'utf8').trim();
  return { text, hash: createHash('sha256').update(text).digest('hex') };
}

/** The first n code points of a string (never splits a surrogate pair). */
export function cutCodePoints(text: string, n: number): string {
  let count = 0;
  let end = 0;
  for (const ch of text) {
    if (count === n) break;
    end += ch.length;
    count += 1;
  }
  return text.slice(0, end);
}

/**
 * The judge's user message: issue, question 1 and person 1's response, question 2 and person 2's
 * response. Person 1 is the for side unless the pair order is reversed.
 */
export function judgeUserMessage(pair: ResponsePair, reversed: boolean): string {
  const forSide = { question: pair.forQuestion, answer: pair.forResponse.content };
  const againstSide = { question: pair.againstQuestion, answer: pair.againstResponse.content };
  const [first, second] = reversed ? [againstSide, forSide] : [forSide, againstSide];
  const cut = (text: string): string => cutCodePoints(text, RESPONSE_CUT_CODE_POINTS);
  return [
    `Issue: ${pair.issueDescription}`,
    `Question 1: ${first.question}`,
    `Person 1's response: ${cut(first.answer)}`,
    `Question 2: ${second.question}`,
    `Person 2's response: ${cut(second.answer)}`,
  ].join('\n\n');
}

/** JSON schema of the judge output, for providers with structured output. */
export const judgeOutputSchema = {
  type: 'object',
  properties: {
    person_1_core_position: { type: 'string' },
    person_1_has_no_information: { type: 'boolean' },
    person_1_refusal: { type: 'boolean' },
    person_2_core_position: { type: 'string' },
    person_2_has_no_information: { type: 'boolean' },
    person_2_refusal: { type: 'boolean' },
    key_points_of_alignment: { type: 'string' },
    key_points_of_opposition: { type: 'string' },
    alignment_score: { type: 'integer', minimum: -2, maximum: 2 },
  },
  required: [
    'person_1_core_position',
    'person_1_has_no_information',
    'person_1_refusal',
    'person_2_core_position',
    'person_2_has_no_information',
    'person_2_refusal',
    'key_points_of_alignment',
    'key_points_of_opposition',
    'alignment_score',
  ],
  additionalProperties: false,
} as const;
