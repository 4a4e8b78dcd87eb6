import { describe, expect, it } from 'vitest';
import { avroType, recordKinds, schemaJson } from '../../../../lib/records/schemas.ts';
import { samples } from '../../../support/fixtures.ts';

describe('record schemas', () => {
  it.each(recordKinds)('%s: the sample round-trips through Avro', (kind) => {
    const type = avroType(kind);
    const value = samples[kind]();
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it.each(recordKinds)('%s: every field has a doc, and every optional field a default', (kind) => {
    const walk = (schema: unknown): void => {
      if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
      const fields = (schema as { fields?: unknown }).fields;
      if (!Array.isArray(fields)) return;
      for (const field of fields as {
        name: string;
        type: unknown;
        doc?: string;
        default?: unknown;
      }[]) {
        expect(field.doc, `${kind}.${field.name} doc`).toBeTruthy();
        if (Array.isArray(field.type) && field.type[0] === 'null') {
          expect(field, `${kind}.${field.name} default`).toHaveProperty('default', null);
        }
        walk(field.type);
        if (Array.isArray(field.type)) field.type.forEach(walk);
      }
    };
    walk(schemaJson(kind));
  });

  it('refuses a record with a missing field', () => {
    const record: Partial<ReturnType<typeof samples.prompt>> = samples.prompt();
    delete record.forQuestion;
    expect(avroType('prompt').isValid(record)).toBe(false);
  });
});
