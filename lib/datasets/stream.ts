import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ValbenchError } from '../errors.ts';

/** One raw row of a dataset file, with where it is (`FILE row N`, N counted from 1). */
export interface RawRow {
  row: unknown;
  where: string;
}

/**
 * The bytes of a file, chunk after chunk, read into one reused buffer: a file of any size leaves
 * no garbage buffers behind (a read stream allocates one per chunk, and V8 frees them only when
 * their total is large enough to trigger a collection: tens of MB of resident memory).
 */
async function* chunksOf(path: string, size = 1 << 20): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, size, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The lines of a UTF-8 text file (without their `\n` or `\r\n`), one at a time. */
async function* linesOf(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunksOf(path)) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/**
 * The rows of a JSONL file, one line at a time: only a chunk of the file and the line being
 * parsed are in memory. Blank lines are skipped; a line that is not JSON is an error naming the
 * file and line.
 */
export async function* streamJsonl(path: string, name = path): AsyncGenerator<RawRow> {
  let lineNumber = 0;
  let rowNumber = 0;
  for await (const line of linesOf(path)) {
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
  for await (const chunk of chunksOf(path)) hash.update(chunk);
  return hash.digest('hex').slice(0, 16);
}
