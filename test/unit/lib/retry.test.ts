import { describe, expect, it } from 'vitest';
import { ValbenchError } from '../../../lib/errors.ts';
import { withRetry, type RetryPolicy } from '../../../lib/retry.ts';

const policy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 1,
  rateLimitBudgetMs: 60_000,
};
const rateLimited = (): ValbenchError =>
  new ValbenchError('retriable', 'RATE_LIMITED', 'slow down', { status: 429, retryAfterMs: 0 });
const serverError = (): ValbenchError =>
  new ValbenchError('retriable', 'SERVER_ERROR', 'upstream 503', { status: 503 });

describe('withRetry', () => {
  it('rate limits do not use up the attempts: 10 429s then an answer', async () => {
    let calls = 0;
    const outcome = await withRetry(policy, new AbortController().signal, () => {
      calls += 1;
      if (calls <= 10) throw rateLimited();
      return Promise.resolve('answer');
    });
    expect(outcome).toEqual({ value: 'answer', attempts: 11 });
  });

  it('past the rate-limit budget the call stops as fatal, not as a dead letter', async () => {
    let clock = 0;
    const failure = withRetry(
      policy,
      new AbortController().signal,
      () => {
        clock += 20_000;
        throw rateLimited();
      },
      { now: () => clock },
    );
    await expect(failure).rejects.toMatchObject({ kind: 'fatal', code: 'RATE_LIMIT_BUDGET' });
  });

  it('other retriable failures give up after maxAttempts as poison with their own code', async () => {
    let calls = 0;
    const failure = withRetry(policy, new AbortController().signal, () => {
      calls += 1;
      throw serverError();
    });
    await expect(failure).rejects.toMatchObject({ kind: 'poison', code: 'SERVER_ERROR' });
    expect(calls).toBe(3);
  });

  it('the two budgets are separate: 429s in between do not count toward the attempts', async () => {
    const script = [rateLimited, serverError, rateLimited, rateLimited, serverError];
    let calls = 0;
    const outcome = await withRetry(policy, new AbortController().signal, () => {
      const next = script[calls];
      calls += 1;
      if (next !== undefined) throw next();
      return Promise.resolve('ok');
    });
    expect(outcome.attempts).toBe(6);
  });

  it('non-retriable errors pass through at once', async () => {
    let calls = 0;
    const failure = withRetry(policy, new AbortController().signal, () => {
      calls += 1;
      throw new ValbenchError('fatal', 'UNAUTHORIZED', 'bad key');
    });
    await expect(failure).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(calls).toBe(1);
  });
});
