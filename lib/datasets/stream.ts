import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ValbenchError } from '../errors.ts';

/** One raw row of a dataset file, with where it is (`FILE row N`, N counted from 1). */
export interface RawRow {
  row: unknown;
  where: string;
}

/**
 * The rows of a JSONL file, one line at a time: only the line being parsed is in memory. Blank
 * lines are skipped; a line that is not JSON is an error naming the file and line.
 */
export async function* streamJsonl(path: string, name = path): AsyncGenerator<RawRow> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let lineNumber = 0;
  let rowNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new ValbenchError(
        'fatal',
        'DATASET_ROW_INVALID',
        `${name}:${lineNumber}: not valid JSON`,
        { cause: error },
      );
    }
    rowNumber += 1;
    yield { row, where: `${name} row ${rowNumber}` };
  }
}

/** How a file is read: only some columns (parquet skips the others' bytes; JSONL reads all). */
export interface StreamOptions {
  /** The columns wanted (those the file lacks are ignored); every column when absent. */
  columns?: readonly string[];
  /** At most this many parquet rows decoded at once, whatever the file's row groups (1,000). */
  window?: number;
}

/** The top-level column names of a parquet file, from its footer. */
export async function parquetColumns(path: string): Promise<string[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import('hyparquet');
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return parquetSchema(metadata).children.map((child) => child.element.name);
}

/**
 * The rows of a parquet file on disk, a window of rows of one row group at a time (hyparquet
 * reads those pages' byte ranges from the file), and only the columns asked for: a file of any
 * size costs one window of memory. Nested columns come back as plain objects and arrays; INT64
 * columns as bigint.
 */
export async function* streamParquet(
  path: string,
  name = path,
  options: StreamOptions = {},
): AsyncGenerator<RawRow> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } =
    await import('hyparquet');
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const present = parquetSchema(metadata).children.map((child) => child.element.name);
  const wanted = options.columns;
  const columns = wanted === undefined ? undefined : present.filter((c) => wanted.includes(c));
  const window = options.window ?? 1_000;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    for (let rowStart = groupStart; rowStart < groupEnd; rowStart += window) {
      const rowEnd = Math.min(groupEnd, rowStart + window);
      const rows: unknown[] = await parquetReadObjects({
        file,
        metadata,
        rowStart,
        rowEnd,
        ...(columns === undefined ? {} : { columns }),
      });
      for (const [i, row] of rows.entries())
        yield { row, where: `${name} row ${rowStart + i + 1}` };
    }
    groupStart = groupEnd;
  }
}

/** The rows of a local `.parquet` or `.jsonl` file, streamed (see streamParquet, streamJsonl). */
export function streamRows(
  path: string,
  name = path,
  options: StreamOptions = {},
): AsyncGenerator<RawRow> {
  return path.endsWith('.parquet') ? streamParquet(path, name, options) : streamJsonl(path, name);
}

/** A short sha256 of a file's bytes, read as a stream: the revision of a local dataset. */
export async function fileRevision(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    if (!(chunk instanceof Buffer)) throw new Error('a file stream gave text');
    hash.update(chunk);
  }
  return hash.digest('hex').slice(0, 16);
}
