import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ValbenchError, messageOf } from '../errors.ts';

/** The price table shipped with the project: public list prices, dated, for the user to edit. */
export const defaultPricesPath = join(import.meta.dirname, '..', '..', 'prices', 'models.json');

/** USD per 1M tokens of one model, with where the figures come from and when they were read. */
export interface ModelPrice {
  model: string;
  input: number;
  output: number;
  /** Defaults to the output price: providers bill reasoning (thinking) tokens as output. */
  reasoning: number;
  source: string;
  asOf: string;
}

const usd = z.number().nonnegative();
const entrySchema = z.strictObject({
  input: usd,
  output: usd,
  reasoning: usd.optional(),
  source: z.string().min(1),
  asOf: z.iso.date(),
});
const fileSchema = z.object({
  about: z.string().optional(),
  models: z.record(z.string().min(1), entrySchema),
});

/** The prices of the models a price file names; lookups by the model id a run or judge uses. */
export interface PriceTable {
  /** Where the table was read from (for messages). */
  readonly path: string;
  /**
   * The price of a model id: the exact id, else the id after its last `/` (an
   * `organisation/model` name on a compatible server), else without a trailing date snapshot
   * (`claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`). null: not in the table, cost unknown.
   */
  priceOf(model: string): ModelPrice | null;
  readonly models: readonly string[];
}

/** A price table from parsed JSON; throws naming the entry and field that are wrong. */
export function parsePriceTable(json: unknown, path: string): PriceTable {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${issue.message}`,
    );
    throw new ValbenchError(
      'fatal',
      'PRICE_FILE_INVALID',
      `price file ${path} is invalid:\n  - ${problems.join('\n  - ')}`,
    );
  }
  const prices = new Map<string, ModelPrice>(
    Object.entries(parsed.data.models).map(([model, e]) => [
      model,
      {
        model,
        input: e.input,
        output: e.output,
        reasoning: e.reasoning ?? e.output,
        source: e.source,
        asOf: e.asOf,
      },
    ]),
  );
  const candidates = (model: string): string[] => {
    const base = model.slice(model.lastIndexOf('/') + 1);
    return [model, base, base.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, '')];
  };
  return {
    path,
    models: [...prices.keys()],
    priceOf(model) {
      for (const id of candidates(model)) {
        const price = prices.get(id);
        if (price !== undefined) return price;
      }
      return null;
    },
  };
}

/** Reads and validates a price file (exit 1 through the fatal error when it is unreadable or wrong). */
export function loadPriceTable(path: string = defaultPricesPath): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValbenchError(
      'fatal',
      'PRICE_FILE_INVALID',
      `price file ${path} cannot be read as JSON: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return parsePriceTable(json, path);
}
