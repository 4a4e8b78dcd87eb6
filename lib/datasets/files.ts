import { readFileSync } from 'node:fs';
import { ValbenchError } from '../errors.ts';

/** Reads a JSONL file of rows; a line that is not JSON is an error naming the line. */
export function readJsonl(path: string): unknown[] {
  const rows: unknown[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line));
    } catch (error) {
      throw new ValbenchError(
        'fatal',
        'DATASET_ROW_INVALID',
        `${path}:${index + 1}: not valid JSON`,
        { cause: error },
      );
    }
  });
  return rows;
}

/**
 * Reads every row of parquet bytes (hyparquet, pure JavaScript). Nested columns come back as
 * plain objects and arrays; INT64 columns as bigint.
 */
export async function parseParquet(bytes: Uint8Array): Promise<unknown[]> {
  const { parquetReadObjects } = await import('hyparquet');
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (!(file instanceof ArrayBuffer)) throw new Error('parquet bytes in a shared buffer');
  const rows: unknown[] = await parquetReadObjects({ file });
  return rows;
}

/** Reads every row of a local parquet file. */
export async function readParquet(path: string): Promise<unknown[]> {
  return parseParquet(readFileSync(path));
}
