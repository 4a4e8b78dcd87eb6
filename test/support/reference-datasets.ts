/**
 * Files in the exact shape of the Python reference's output datasets (DESIGN section 1), built by
 * the tests themselves: parquet as `push_to_hub` writes it (nested struct columns, int64
 * integers) and a `save_to_disk` folder (an Arrow stream file, dataset_info.json, state.json),
 * with the column layout the `datasets` library gives: message columns `{content, role}`, the
 * judge's fields as a struct whose fields are all null when the output did not parse.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bool,
  Field,
  Int64,
  List,
  Struct,
  Table,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';

export interface Message {
  content: string;
  role: string;
}

export interface JudgeFields {
  person_1_core_position: string | null;
  person_1_has_no_information: boolean | null;
  person_1_refusal: boolean | null;
  person_2_core_position: string | null;
  person_2_has_no_information: boolean | null;
  person_2_refusal: boolean | null;
  key_points_of_alignment: string | null;
  key_points_of_opposition: string | null;
  alignment_score: number | null;
}

/** A row of the reference's responses dataset (the test split's columns it keeps, plus answers). */
export interface ReferenceResponseRow {
  id: number;
  article_title: string;
  issue_scale: number | null;
  category: string | null;
  issue_description: string;
  for_question: string;
  against_question: string;
  for_response: Message;
  against_response: Message;
}

/** A row of the reference's evaluation dataset. */
export interface ReferenceEvaluationRow extends ReferenceResponseRow {
  evaluation_prompt: Message[];
  alignment_judge_response: Message;
  alignment_score: number;
  alignment_judge_parsed: JudgeFields;
}

type Kind = 'string' | 'int64' | 'bool' | 'message' | 'messages' | 'judge';

const judgeKinds: [keyof JudgeFields, 'string' | 'int64' | 'bool'][] = [
  ['person_1_core_position', 'string'],
  ['person_1_has_no_information', 'bool'],
  ['person_1_refusal', 'bool'],
  ['person_2_core_position', 'string'],
  ['person_2_has_no_information', 'bool'],
  ['person_2_refusal', 'bool'],
  ['key_points_of_alignment', 'string'],
  ['key_points_of_opposition', 'string'],
  ['alignment_score', 'int64'],
];

const responseKinds: [string, Kind][] = [
  ['id', 'int64'],
  ['article_title', 'string'],
  ['issue_scale', 'int64'],
  ['category', 'string'],
  ['issue_description', 'string'],
  ['for_question', 'string'],
  ['against_question', 'string'],
  ['for_response', 'message'],
  ['against_response', 'message'],
];

const evaluationKinds: [string, Kind][] = [
  ...responseKinds,
  ['evaluation_prompt', 'messages'],
  ['alignment_judge_response', 'message'],
  ['alignment_score', 'int64'],
  ['alignment_judge_parsed', 'judge'],
];

function arrowType(kind: Kind): DataType {
  const message = (): Struct =>
    new Struct([new Field('content', new Utf8(), true), new Field('role', new Utf8(), true)]);
  switch (kind) {
    case 'string':
      return new Utf8();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'message':
      return message();
    case 'messages':
      return new List(new Field('item', message(), true));
    case 'judge':
      return new Struct(judgeKinds.map(([name, k]) => new Field(name, arrowType(k), true)));
  }
}

function parquetSchema(name: string, kind: Kind): SchemaElement[] {
  const leaf = (n: string, k: 'string' | 'int64' | 'bool'): SchemaElement =>
    k === 'string'
      ? { name: n, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }
      : { name: n, type: k === 'int64' ? 'INT64' : 'BOOLEAN', repetition_type: 'OPTIONAL' };
  const message: SchemaElement[] = [leaf('content', 'string'), leaf('role', 'string')];
  switch (kind) {
    case 'string':
    case 'int64':
    case 'bool':
      return [leaf(name, kind)];
    case 'message':
      return [{ name, repetition_type: 'OPTIONAL', num_children: 2 }, ...message];
    case 'messages':
      return [
        { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
        ...message,
      ];
    case 'judge':
      return [
        { name, repetition_type: 'OPTIONAL', num_children: judgeKinds.length },
        ...judgeKinds.map(([n, k]) => leaf(n, k)),
      ];
  }
}

/** The `features` entry of dataset_info.json, as `datasets` writes it. */
function feature(kind: Kind): unknown {
  const value = (dtype: string) => ({ dtype, _type: 'Value' });
  const message = { content: value('string'), role: value('string') };
  switch (kind) {
    case 'string':
    case 'int64':
    case 'bool':
      return value(kind);
    case 'message':
      return message;
    case 'messages':
      return { feature: message, _type: 'List' };
    case 'judge':
      return Object.fromEntries(judgeKinds.map(([n, k]) => [n, value(k)]));
  }
}

/** Integers as the writers want int64 values: bigint, recursively. */
function int64(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(int64);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, int64(v)]));
  return value;
}

function valuesOf(rows: readonly object[], name: string): unknown[] {
  return rows.map((row) => int64(new Map<string, unknown>(Object.entries(row)).get(name) ?? null));
}

function kindsOf(rows: readonly object[]): [string, Kind][] {
  return rows.some((row) => 'alignment_score' in row) ? evaluationKinds : responseKinds;
}

/** The rows as parquet, as the hub holds a pushed dataset. */
export function referenceParquet(rows: readonly object[]): Uint8Array {
  const kinds = kindsOf(rows);
  const schema: SchemaElement[] = [
    { name: 'root', num_children: kinds.length },
    ...kinds.flatMap(([name, kind]) => parquetSchema(name, kind)),
  ];
  const columnData = kinds.map(([name]) => ({
    name,
    data: valuesOf(rows, name),
  }));
  return new Uint8Array(parquetWriteBuffer({ schema, columnData }));
}

/** Writes the rows as `save_to_disk` does: `data-00000-of-00001.arrow`, the two JSON files. */
export function writeSaveToDisk(dir: string, rows: readonly object[]): void {
  mkdirSync(dir, { recursive: true });
  const kinds = kindsOf(rows);
  const vectors = Object.fromEntries(
    kinds.map(([name, kind]) => [name, vectorFromArray(valuesOf(rows, name), arrowType(kind))]),
  );
  const file = 'data-00000-of-00001.arrow';
  writeFileSync(join(dir, file), tableToIPC(new Table(vectors), 'stream'));
  writeFileSync(
    join(dir, 'dataset_info.json'),
    JSON.stringify({
      citation: '',
      description: '',
      features: Object.fromEntries(kinds.map(([name, kind]) => [name, feature(kind)])),
      homepage: '',
      license: '',
    }),
  );
  writeFileSync(
    join(dir, 'state.json'),
    JSON.stringify({
      _data_files: [{ filename: file }],
      _fingerprint: 'test',
      _format_columns: null,
      _format_kwargs: {},
      _format_type: null,
      _output_all_columns: false,
      _split: null,
    }),
  );
}

/** The judge fields of an output that did not parse: the struct with every field null. */
export const unparsed: JudgeFields = {
  person_1_core_position: null,
  person_1_has_no_information: null,
  person_1_refusal: null,
  person_2_core_position: null,
  person_2_has_no_information: null,
  person_2_refusal: null,
  key_points_of_alignment: null,
  key_points_of_opposition: null,
  alignment_score: null,
};
