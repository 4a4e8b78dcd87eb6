import type { ModelPrice } from './prices.ts';

/** Tokens one call used, as the provider reported them (null: not reported). */
export interface TokenCounts {
  input: number | null;
  /** All generated tokens, reasoning included (OpenAI, Anthropic and chat completions count so). */
  output: number | null;
  /** The part of `output` spent reasoning (null: none reported, billed as output anyway). */
  reasoning: number | null;
}

const perMillion = 1_000_000;

/**
 * What a call cost in USD at a model's prices; null when the input or output count is unknown
 * (a cost is never guessed as 0). Reasoning tokens are part of the output count, so only the
 * rest of the output is billed at the output price.
 */
export function costOf(price: ModelPrice, tokens: TokenCounts): number | null {
  if (tokens.input === null || tokens.output === null) return null;
  const reasoning = Math.min(tokens.reasoning ?? 0, tokens.output);
  return (
    (tokens.input * price.input +
      (tokens.output - reasoning) * price.output +
      reasoning * price.reasoning) /
    perMillion
  );
}

/** A USD amount for people: cents for large amounts, more digits for small ones. */
export function formatUsd(usd: number | null): string {
  if (usd === null) return 'unknown';
  if (usd === 0) return '$0';
  if (usd >= 100) return `$${usd.toFixed(0)}`;
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(2)}`;
}
