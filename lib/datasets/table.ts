import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';

/** A column's type: a scalar, or a struct of named columns (written as a parquet group). */
export type ColumnType =
  'string' | 'int32' | 'int64' | 'double' | 'boolean' | { struct: readonly Column[] };

/** One column of a table to write; every column and struct field is nullable. */
export interface Column {
  name: string;
  type: ColumnType;
}

/** A row to write: values by column name (a missing value is null). */
export type Row = Record<string, unknown>;

const scalars = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
} as const;

function schemaOf(column: Column): SchemaElement[] {
  const { name, type } = column;
  if (typeof type === 'string') return [{ name, repetition_type: 'OPTIONAL', ...scalars[type] }];
  return [
    { name, repetition_type: 'OPTIONAL', num_children: type.struct.length },
    ...type.struct.flatMap(schemaOf),
  ];
}

/** A value in the form the parquet writer wants for its column type (int64 as bigint). */
function valueOf(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof type !== 'string') {
    if (typeof value !== 'object') throw new TypeError(`expected an object, got ${typeof value}`);
    const fields = Object.fromEntries<unknown>(Object.entries(value));
    return Object.fromEntries(type.struct.map((c) => [c.name, valueOf(c.type, fields[c.name])]));
  }
  if (type === 'int64' && typeof value === 'number') return BigInt(value);
  return value;
}

/**
 * The rows as a parquet file (snappy), struct columns as parquet groups: pyarrow and pandas read
 * them as `struct<...>` columns, hyparquet as nested objects.
 */
export function parquetBytes(columns: readonly Column[], rows: readonly Row[]): Uint8Array {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.flatMap(schemaOf),
  ];
  const buffer = parquetWriteBuffer({
    schema,
    columnData: columns.map((column) => ({
      name: column.name,
      data: rows.map((row) => valueOf(column.type, row[column.name])),
    })),
  });
  return new Uint8Array(buffer);
}

/** The rows as JSON Lines, columns in order, struct columns as objects, int64 as numbers. */
export function jsonlText(columns: readonly Column[], rows: readonly Row[]): string {
  const plain = (type: ColumnType, value: unknown): unknown => {
    const v = valueOf(type, value);
    if (typeof v === 'bigint') return Number(v);
    if (typeof type !== 'string' && v !== null && typeof v === 'object') {
      const fields = Object.fromEntries<unknown>(Object.entries(v));
      return Object.fromEntries(type.struct.map((c) => [c.name, plain(c.type, fields[c.name])]));
    }
    return v;
  };
  return rows
    .map((row) =>
      JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, plain(c.type, row[c.name])]))),
    )
    .map((line) => `${line}\n`)
    .join('');
}
