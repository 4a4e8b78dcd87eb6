import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { HandleContext } from '../../../../lib/kafka/stage.ts';
import { callModel } from '../../../../lib/llm/call.ts';
import type { ChatModel, ChatResult } from '../../../../lib/llm/chat-model.ts';
import { stageMetrics } from '../../../../lib/metrics.ts';

/** A hand-written fake model answering from a script (model APIs cannot be reached here). */
function scripted(results: ChatResult[]): ChatModel & { calls: number } {
  const model = {
    label: 'fake/scripted',
    simulated: true,
    calls: 0,
    complete(): Promise<ChatResult> {
      const result = results[Math.min(model.calls, results.length - 1)];
      model.calls += 1;
      if (result === undefined) throw new Error('empty script');
      return Promise.resolve(result);
    },
  };
  return model;
}

const answer = (content: string, finishReason = 'stop'): ChatResult => ({
  content,
  reasoning: null,
  finishReason,
  inputTokens: 10,
  outputTokens: 5,
  reasoningTokens: finishReason === 'length' ? 4096 : null,
});

function call(
  model: ChatModel,
  registry = new Registry(),
  slot: HandleContext['slot'] = (run) => run(new AbortController().signal),
) {
  return callModel(
    model,
    { system: 's', user: 'u', temperature: 0.1, topP: 0.9, maxOutputTokens: 64 },
    {
      stage: 'responder',
      metrics: stageMetrics(registry),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, rateLimitBudgetMs: 1_000 },
      context: {
        key: 'run/1',
        signal: new AbortController().signal,
        onRateLimited: () => undefined,
        slot,
      },
    },
  );
}

describe('callModel', () => {
  it('an empty completion is retried, and one that stays empty is thrown (dead letter), never returned', async () => {
    const model = scripted([answer('', 'length')]);
    await expect(call(model)).rejects.toMatchObject({
      kind: 'poison',
      code: 'EMPTY_COMPLETION',
      message: expect.stringContaining('token budget ran out') as unknown,
    });
    expect(model.calls).toBe(3);
  });

  it('an empty completion followed by an answer returns the answer', async () => {
    const model = scripted([answer('  '), answer('A real answer.')]);
    const outcome = await call(model);
    expect(outcome.value.content).toBe('A real answer.');
    expect(outcome.attempts).toBe(2);
  });

  it('a truncated answer is kept and counted', async () => {
    const registry = new Registry();
    const outcome = await call(scripted([answer('Half an ans', 'length')]), registry);
    expect(outcome.value.content).toBe('Half an ans');
    const text = await registry.metrics();
    expect(text).toMatch(
      /valbench_truncated_answers_total\{stage="responder",model="fake\/scripted"\} 1/,
    );
  });

  it('a call the pool pre-empts is counted as such and made again, not as a failed try', async () => {
    const registry = new Registry();
    let made = 0;
    // A fake model (no model API is reachable): the first call hangs until aborted, the next answers.
    const model: ChatModel = {
      label: 'fake/hangs-once',
      simulated: true,
      complete: (_request, signal) => {
        made += 1;
        if (made > 1) return Promise.resolve(answer('Answered the second time.'));
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        });
      },
    };
    // The pool's part (lib/kafka/fair-pool.ts): pre-empts the first call, makes it again.
    const preemptingSlot = async <T>(run: (preempted: AbortSignal) => Promise<T>): Promise<T> => {
      const first = new AbortController();
      const pending = run(first.signal);
      first.abort();
      try {
        return await pending;
      } catch {
        return run(new AbortController().signal);
      }
    };
    const outcome = await call(model, registry, preemptingSlot);
    expect(outcome.value.content).toBe('Answered the second time.');
    expect(outcome.attempts).toBe(1);
    const text = await registry.metrics();
    expect(text).toContain(
      'valbench_model_calls_total{stage="responder",model="fake/hangs-once",outcome="preempted"} 1',
    );
    expect(text).toContain(
      'valbench_model_calls_total{stage="responder",model="fake/hangs-once",outcome="ok"} 1',
    );
    expect(text).not.toContain('valbench_model_call_retries_total{');
  });
});
