import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError, messageOf } from './errors.ts';

/**
 * Retry policy for model calls, with two budgets:
 * - rate limits (429) are not failures of the record: the call waits (the server's retry-after,
 *   else backoff) and tries again for as long as `rateLimitBudgetMs` (default 30 minutes, so a
 *   provider's throttled hour slows the run down instead of dead-lettering pairs out of PAC);
 *   past it the stage stops (fatal) with a message saying so;
 * - other retriable failures (5xx, timeouts, network, empty completions) get `maxAttempts`
 *   attempts (default 5: a brief outage heals, a broken request does not spin forever), then
 *   the record is dead-lettered with the last reason.
 * Backoff is 500 ms doubling to a 30 s cap with full jitter, so a pool of 64 calls does not
 * retry in lockstep; a server's retry-after always wins over the backoff.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  rateLimitBudgetMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  rateLimitBudgetMs: 30 * 60_000,
};

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export interface RetryOutcome<T> {
  value: T;
  /** Calls made, rate-limited ones included. */
  attempts: number;
}

export interface RetryHooks {
  /** Sees each retriable failure before the wait (for counting and adaptive concurrency). */
  onRetry?: (error: ValbenchError, attempt: number) => void;
  random?: () => number;
  now?: () => number;
}

const isRateLimit = (error: ValbenchError): boolean => error.status === 429;

/**
 * Runs `call` until it succeeds, a non-retriable error is thrown, the attempts for other
 * failures run out (then a poison error with the last failure's code and the attempt count), or
 * the call has been rate limited for longer than the budget (then a fatal RATE_LIMIT_BUDGET).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  call: (attempt: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<RetryOutcome<T>> {
  const random = hooks.random ?? Math.random;
  const now = hooks.now ?? Date.now;
  let failures = 0;
  let rateLimits = 0;
  let rateLimitedSince: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await call(attempt), attempts: attempt };
    } catch (error) {
      if (!isValbenchError(error) || error.kind !== 'retriable') throw error;
      if (signal.aborted) throw error;
      let delay: number;
      if (isRateLimit(error)) {
        rateLimits += 1;
        rateLimitedSince ??= now();
        const limitedMs = now() - rateLimitedSince;
        if (limitedMs >= policy.rateLimitBudgetMs) {
          throw new ValbenchError(
            'fatal',
            'RATE_LIMIT_BUDGET',
            `rate limited for ${Math.round(limitedMs / 1000)} s, past the budget of ${Math.round(policy.rateLimitBudgetMs / 1000)} s (--rate-limit-budget-minutes): ${messageOf(error)}`,
            { status: 429 },
          );
        }
        delay = error.retryAfterMs ?? backoffMs(policy, rateLimits, random);
      } else {
        failures += 1;
        if (failures >= policy.maxAttempts) {
          throw new ValbenchError(
            'poison',
            error.code,
            `gave up after ${failures} attempts: ${messageOf(error)}`,
            { ...(error.status === undefined ? {} : { status: error.status }) },
          );
        }
        delay = error.retryAfterMs ?? backoffMs(policy, failures, random);
      }
      hooks.onRetry?.(error, attempt);
      await sleep(delay, undefined, { signal });
    }
  }
}
