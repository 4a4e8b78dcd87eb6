import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import type {
  DeadLetter,
  Judgment,
  JudgeRequest,
  PromptPair,
  ResponsePair,
  RunRequest,
} from './types.gen.ts';

/** The record kinds of the pipeline and their TypeScript types (generated from schemas/*.avsc). */
export interface RecordTypes {
  prompt: PromptPair;
  response: ResponsePair;
  judgment: Judgment;
  deadLetter: DeadLetter;
  runRequest: RunRequest;
  judgeRequest: JudgeRequest;
}

export type RecordKind = keyof RecordTypes;

export const recordKinds: readonly RecordKind[] = [
  'prompt',
  'response',
  'judgment',
  'deadLetter',
  'runRequest',
  'judgeRequest',
];

const schemaFiles: Record<RecordKind, string> = {
  prompt: 'prompt-pair.avsc',
  response: 'response-pair.avsc',
  judgment: 'judgment.avsc',
  deadLetter: 'dead-letter.avsc',
  runRequest: 'run-request.avsc',
  judgeRequest: 'judge-request.avsc',
};

const schemaDir = join(import.meta.dirname, '..', '..', 'schemas');

/** The parsed .avsc JSON of a record kind: the contract registered under `<topic>-value`. */
export function schemaJson(kind: RecordKind): Record<string, unknown> {
  const text = readFileSync(join(schemaDir, schemaFiles[kind]), 'utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

/** The avsc type of a record kind, used as the reader schema when decoding. */
export function avroType(kind: RecordKind): avro.Type {
  return avro.Type.forSchema(schemaJson(kind) as avro.Schema);
}
