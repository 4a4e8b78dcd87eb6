import type { Settings } from '../config/args.ts';
import { messageOf } from '../errors.ts';
import { defaultPricesPath, loadPriceTable, parsePriceTable, type PriceTable } from './prices.ts';

/** The price table and budget of a command that calls models. */
export interface CostSettings {
  prices: PriceTable;
  /** `--max-cost USD`: intake stops before the run's estimate would pass it; null: no limit. */
  maxCostUsd: number | null;
}

/**
 * `--prices FILE` (default prices/models.json) and `--max-cost USD`. A price file that cannot be
 * read or is invalid is a configuration problem, reported with the others; so is a budget for a
 * model the table has no price for (`priced`: the model ids the run calls).
 */
export function readCostSettings(
  s: Settings,
  options: { budget: boolean; priced: readonly string[] },
): CostSettings {
  const path = s.string('prices', defaultPricesPath);
  let prices: PriceTable;
  try {
    prices = loadPriceTable(path);
  } catch (error) {
    // One line among the other configuration problems: the file's own list joined.
    s.problems.push(
      `--prices: ${messageOf(error).replace(':\n  - ', ': ').replaceAll('\n  - ', '; ')}`,
    );
    prices = parsePriceTable({ models: {} }, path);
  }
  const maxCostUsd = options.budget ? s.optionalNumber('max-cost', { min: 0 }) : null;
  if (maxCostUsd !== null)
    for (const model of options.priced)
      if (prices.priceOf(model) === null)
        s.problems.push(
          `--max-cost needs a price for model ${model}: ${prices.path} has none (add it, or pass --prices FILE)`,
        );
  return { prices, maxCostUsd };
}
