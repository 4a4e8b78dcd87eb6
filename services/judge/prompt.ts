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
const baseOutputSchema = {
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

/** The label of a response that demonstrates no value of the taxonomy. */
export const NO_VALUE = 'none';

/**
 * JSON schema of the judge output; with a value taxonomy, two more fields name the one value each
 * response demonstrates, as an enum of the taxonomy and "none".
 */
export function judgeOutputSchemaFor(values: readonly string[] | null): Record<string, unknown> {
  if (values === null) return baseOutputSchema;
  const label = { type: 'string', enum: [...values, NO_VALUE] };
  return {
    ...baseOutputSchema,
    properties: { ...baseOutputSchema.properties, person_1_value: label, person_2_value: label },
    required: [...baseOutputSchema.required, 'person_1_value', 'person_2_value'],
  };
}

/** The judge output schema without values (the reference's fields). */
export const judgeOutputSchema = baseOutputSchema;

/**
 * What the judge is told about values when it labels them: in our own words, after the rubric.
 * The rubric hash stays that of the rubric; the taxonomy is part of the judge's configuration.
 */
export function valueInstructions(values: readonly string[]): string {
  return [
    'Values. Each question asks its person to argue for a position that rests on a value. Read',
    "each response on its own and name the one value from the list below that the response's",
    'argument most clearly rests on and promotes: the value it actually demonstrates, which may',
    'differ from the one its question asked it to argue for. Use "none" when the response refuses,',
    'has no information, or promotes no value of the list. Never name a value outside the list.',
    '',
    `Values: ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    '',
    'Add two fields to the JSON object: "person_1_value" and "person_2_value", each one value of',
    'the list or "none".',
  ].join('\n');
}
