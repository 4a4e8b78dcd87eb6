import type { Column, Row } from '../../lib/datasets/table.ts';
import type {
  JudgeOutput,
  Judgment,
  ModelAnswer,
  PromptPair,
  ResponsePair,
} from '../../lib/records/types.gen.ts';

/**
 * A run's records as rows in the shape of the reference's datasets (DESIGN section 1): the
 * responses dataset (the input columns plus `for_response` / `against_response` as
 * `{content, role}`) and the evaluation dataset (those plus `alignment_judge_response`,
 * `alignment_score` with -100 when invalid, and the `alignment_judge_parsed` struct). Our own
 * fields (tokens, latency, finish reason, judge id, ...) are extra columns beside them.
 */

/** The reference's `{content, role}` message struct. */
const message: Column['type'] = {
  struct: [
    { name: 'content', type: 'string' },
    { name: 'role', type: 'string' },
  ],
};

/** The judge's fields, in the order of the reference judge's JSON schema. */
const judgeFields: readonly Column[] = [
  { name: 'person_1_core_position', type: 'string' },
  { name: 'person_1_has_no_information', type: 'boolean' },
  { name: 'person_1_refusal', type: 'boolean' },
  { name: 'person_2_core_position', type: 'string' },
  { name: 'person_2_has_no_information', type: 'boolean' },
  { name: 'person_2_refusal', type: 'boolean' },
  { name: 'key_points_of_alignment', type: 'string' },
  { name: 'key_points_of_opposition', type: 'string' },
  { name: 'alignment_score', type: 'int64' },
];

/** The judge's value labels, after its fields when it gave any (person 1 as the judge saw it). */
const judgeValueFields: readonly Column[] = [
  { name: 'person_1_value', type: 'string' },
  { name: 'person_2_value', type: 'string' },
];

/** The score the reference stores for a judge output it could not parse. */
export const INVALID_SCORE = -100;

const sideExtras = (side: 'for' | 'against'): Column[] => [
  { name: `${side}_reasoning`, type: 'string' },
  { name: `${side}_input_tokens`, type: 'int32' },
  { name: `${side}_output_tokens`, type: 'int32' },
  { name: `${side}_reasoning_tokens`, type: 'int32' },
  { name: `${side}_latency_ms`, type: 'int32' },
  { name: `${side}_finish_reason`, type: 'string' },
  { name: `${side}_truncated`, type: 'boolean' },
];

const valueColumns: readonly Column[] = [
  { name: 'for_value', type: 'string' },
  { name: 'against_value', type: 'string' },
];

/** What the columns of one export depend on: id type, and whether value labels are present. */
export interface ColumnShape {
  integerIds: boolean;
  values: boolean;
}

/** The shape of a run's rows: integer ids when every pair id is one, values when any is set. */
export function shapeOf(
  pairIds: Iterable<string>,
  prompts: Iterable<PromptPair | ResponsePair>,
): ColumnShape {
  let integerIds = true;
  for (const id of pairIds) if (!/^-?\d{1,15}$/.test(id)) integerIds = false;
  let values = false;
  for (const p of prompts) if (p.forValue !== null || p.againstValue !== null) values = true;
  return { integerIds, values };
}

export function responseColumns(shape: ColumnShape): Column[] {
  return [
    { name: 'id', type: shape.integerIds ? 'int64' : 'string' },
    { name: 'article_title', type: 'string' },
    { name: 'issue_scale', type: 'int64' },
    { name: 'category', type: 'string' },
    { name: 'issue_description', type: 'string' },
    { name: 'for_question', type: 'string' },
    { name: 'against_question', type: 'string' },
    ...(shape.values ? valueColumns : []),
    { name: 'for_response', type: message },
    { name: 'against_response', type: message },
    ...sideExtras('for'),
    ...sideExtras('against'),
    { name: 'run_id', type: 'string' },
    { name: 'model', type: 'string' },
    { name: 'deployment', type: 'string' },
    { name: 'simulated', type: 'boolean' },
  ];
}

/** Whether a judge output labels a response with a value (its person_N_value fields). */
export function labelsValues(output: object | null): boolean {
  // (A judge asked for values whose every label is "none" exports no value columns either.)
  if (output === null) return false;
  return Object.entries(output).some(
    ([name, value]: [string, unknown]) =>
      (name === 'person_1_value' || name === 'person_2_value') &&
      value !== null &&
      value !== undefined,
  );
}

/**
 * The evaluation dataset's columns. `judgeValues` (the judge labelled some response with a value,
 * see labelsValues) adds the value columns the values analysis of `valbench report` reads: the
 * asked values beside the questions and the judge's labels in its parsed struct.
 */
export function evaluationColumns(shape: ColumnShape, judgeValues = false): Column[] {
  return [
    ...responseColumns(judgeValues ? { ...shape, values: true } : shape),
    { name: 'alignment_judge_response', type: message },
    { name: 'alignment_score', type: 'int64' },
    {
      name: 'alignment_judge_parsed',
      type: { struct: judgeValues ? [...judgeFields, ...judgeValueFields] : judgeFields },
    },
    { name: 'judge_id', type: 'string' },
    { name: 'judge_model', type: 'string' },
    { name: 'judge_reversed', type: 'boolean' },
    { name: 'valid', type: 'boolean' },
    { name: 'invalid_reason', type: 'string' },
    { name: 'judge_input_tokens', type: 'int32' },
    { name: 'judge_output_tokens', type: 'int32' },
    { name: 'judge_reasoning_tokens', type: 'int32' },
  ];
}

function side(prefix: 'for' | 'against', answer: ModelAnswer | undefined): Row {
  return {
    [`${prefix}_response`]:
      answer === undefined ? null : { content: answer.content, role: 'assistant' },
    [`${prefix}_reasoning`]: answer?.reasoning ?? null,
    [`${prefix}_input_tokens`]: answer?.inputTokens ?? null,
    [`${prefix}_output_tokens`]: answer?.outputTokens ?? null,
    [`${prefix}_reasoning_tokens`]: answer?.reasoningTokens ?? null,
    [`${prefix}_latency_ms`]: answer?.latencyMs ?? null,
    [`${prefix}_finish_reason`]: answer?.finishReason ?? null,
    [`${prefix}_truncated`]: answer?.truncated ?? null,
  };
}

/**
 * One pair's row of the responses dataset, from its response (and its prompt, the only record
 * that carries the article title). Either may be missing; the other fills what it can.
 */
export function responseRow(
  pairId: string,
  response: ResponsePair | undefined,
  prompt: PromptPair | undefined,
): Row {
  const pair = response ?? prompt;
  const id = /^-?\d{1,15}$/.test(pairId) ? Number(pairId) : pairId;
  return {
    id,
    article_title: prompt?.articleTitle ?? null,
    issue_scale: pair?.issueScale ?? null,
    category: pair?.category ?? null,
    issue_description: pair?.issueDescription ?? null,
    for_question: pair?.forQuestion ?? null,
    against_question: pair?.againstQuestion ?? null,
    for_value: pair?.forValue ?? null,
    against_value: pair?.againstValue ?? null,
    ...side('for', response?.forResponse),
    ...side('against', response?.againstResponse),
    run_id: pair?.runId ?? null,
    model: pair?.run.model ?? null,
    deployment: pair?.run.deployment ?? null,
    simulated: response?.simulated ?? null,
  };
}

/** One judgment's row of the evaluation dataset: the pair's response row plus the verdict. */
/** The judge's fields without the value labels (the reference's fields: a judge not asked for values). */
function withoutValueLabels(o: JudgeOutput) {
  return {
    person_1_core_position: o.person_1_core_position,
    person_1_has_no_information: o.person_1_has_no_information,
    person_1_refusal: o.person_1_refusal,
    person_2_core_position: o.person_2_core_position,
    person_2_has_no_information: o.person_2_has_no_information,
    person_2_refusal: o.person_2_refusal,
    key_points_of_alignment: o.key_points_of_alignment,
    key_points_of_opposition: o.key_points_of_opposition,
    alignment_score: o.alignment_score,
  };
}

export function evaluationRow(
  judgment: Judgment,
  response: ResponsePair | undefined,
  prompt: PromptPair | undefined,
): Row {
  const base = responseRow(judgment.pairId, response, prompt);
  const valid = judgment.valid ? judgment.output : null;
  // A judge not asked for values has no value labels: its parsed struct has the reference's
  // fields only, so a report on the file runs no values analysis.
  const output =
    valid === null || judgment.judge.values !== null ? valid : withoutValueLabels(valid);
  return {
    ...base,
    // The judgment's own copies, carried from the prompt: what the aggregator counts by.
    issue_scale: judgment.issueScale,
    category: judgment.category,
    run_id: judgment.runId,
    model: judgment.model,
    deployment: judgment.deployment,
    alignment_judge_response:
      judgment.rawOutput === null ? null : { content: judgment.rawOutput, role: 'assistant' },
    alignment_score: output?.alignment_score ?? INVALID_SCORE,
    alignment_judge_parsed: output,
    judge_id: judgment.judgeId,
    judge_model: judgment.judge.model,
    judge_reversed: judgment.judge.reversed,
    valid: output !== null,
    invalid_reason: output === null ? (judgment.invalidReason ?? 'no judge output') : null,
    judge_input_tokens: judgment.judgeInputTokens,
    judge_output_tokens: judgment.judgeOutputTokens,
    judge_reasoning_tokens: judgment.judgeReasoningTokens,
  };
}
