import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError, messageOf } from './errors.ts';

/**
 * Retry policy for model calls. Defaults: 5 attempts (a 429 storm of a few seconds is common and
 * should not dead-letter work), 500 ms base doubling to a 30 s cap, full jitter so that a pool of
 * 64 calls does not retry in lockstep; a server's retry-after always wins over the backoff.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export interface RetryOutcome<T> {
  value: T;
  attempts: number;
}

/**
 * Runs `call` until it succeeds, a non-retriable error is thrown, or the attempts run out (then
 * the last error is thrown, with the attempt count in its message). `onRetry` sees each retriable
 * failure (for 429 accounting and adaptive concurrency).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  call: (attempt: number) => Promise<T>,
  onRetry: (error: ValbenchError, attempt: number) => void = () => undefined,
  random: () => number = Math.random,
): Promise<RetryOutcome<T>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await call(attempt), attempts: attempt };
    } catch (error) {
      if (!isValbenchError(error) || error.kind !== 'retriable') throw error;
      if (signal.aborted) throw error;
      if (attempt >= policy.maxAttempts) {
        throw new ValbenchError(
          'poison',
          'RETRIES_EXHAUSTED',
          `gave up after ${attempt} attempts: ${messageOf(error)}`,
          { cause: error, ...(error.status === undefined ? {} : { status: error.status }) },
        );
      }
      onRetry(error, attempt);
      const delay = error.retryAfterMs ?? backoffMs(policy, attempt, random);
      await sleep(delay, undefined, { signal });
    }
  }
}
