import type { HandleContext, StageName } from '../kafka/stage.ts';
import type { StageMetrics } from '../metrics.ts';
import { withRetry, type RetryOutcome, type RetryPolicy } from '../retry.ts';
import type { ChatModel, ChatRequest, ChatResult } from './chat-model.ts';

/**
 * One model call as a stage makes it: retried by the policy, each retriable failure counted (and
 * a 429 reported to the pool's adaptive limit), the outcome and the latency of the successful call
 * recorded. A call that still fails is thrown: the stage dead-letters it, never stores it.
 */
export async function callModel(
  model: ChatModel,
  request: ChatRequest,
  options: { stage: StageName; metrics: StageMetrics; retry: RetryPolicy; context: HandleContext },
): Promise<RetryOutcome<ChatResult>> {
  const { stage, metrics, context } = options;
  const labels = { stage, model: model.label };
  try {
    const outcome = await withRetry(
      options.retry,
      context.signal,
      async () => {
        const started = performance.now();
        const result = await model.complete(request, context.signal);
        metrics.modelCallSeconds.observe(labels, (performance.now() - started) / 1000);
        return result;
      },
      (error) => {
        metrics.retries.inc({ stage, code: error.code });
        metrics.modelCalls.inc({ ...labels, outcome: 'retriable_error' });
        if (error.status === 429) context.onRateLimited();
      },
    );
    metrics.modelCalls.inc({ ...labels, outcome: 'ok' });
    return outcome;
  } catch (error) {
    metrics.modelCalls.inc({ ...labels, outcome: 'failed' });
    throw error;
  }
}
