import { ValbenchError } from '../errors.ts';
import type { HandleContext, StageName } from '../kafka/stage.ts';
import type { CostLedger } from '../cost/ledger.ts';
import type { StageMetrics } from '../metrics.ts';
import { withRetry, type RetryOutcome, type RetryPolicy } from '../retry.ts';
import type { ChatModel, ChatRequest, ChatResult } from './chat-model.ts';

/** Finish reasons that mean the output hit its token limit (chat, Responses, Anthropic). */
const truncatedReasons = new Set(['length', 'max_tokens', 'max_output_tokens']);

/** Whether a provider's finish reason says the answer was cut at the token limit. */
export function isTruncated(finishReason: string): boolean {
  return truncatedReasons.has(finishReason);
}

/**
 * A completion with no text is not an answer: typically a reasoning model that spent its whole
 * token budget thinking. It is a retriable failure (another try may answer), then a dead letter
 * with this reason; it is never stored as if the model had answered.
 */
function emptyCompletion(model: ChatModel, result: ChatResult): ValbenchError {
  const why = isTruncated(result.finishReason)
    ? ` (finish reason ${result.finishReason}: the token budget ran out${result.reasoningTokens === null ? '' : ` after ${result.reasoningTokens} reasoning tokens`})`
    : ` (finish reason ${result.finishReason})`;
  return new ValbenchError(
    'retriable',
    'EMPTY_COMPLETION',
    `${model.label} returned an empty completion${why}`,
  );
}

/** What a call is paid on: the ledger, the run it is for, and the model id to price. */
export interface CallCost {
  ledger: CostLedger;
  runId: string;
  /** The model id the run or judge asks for (the price table's key). */
  model: string;
}

/**
 * One model call as a stage makes it: retried by the policy, each retriable failure counted (and
 * a 429 reported to the pool's adaptive limit), the outcome and the latency of the successful call
 * recorded, an empty completion treated as a failure and a truncated one counted, and with a
 * `cost`, the successful call's cost recorded on the ledger. A call that still fails is thrown:
 * the stage dead-letters it, never stores it.
 */
export async function callModel(
  model: ChatModel,
  request: ChatRequest,
  options: {
    stage: StageName;
    metrics: StageMetrics;
    retry: RetryPolicy;
    context: HandleContext;
    cost?: CallCost | undefined;
  },
): Promise<RetryOutcome<ChatResult>> {
  const { stage, metrics, context } = options;
  const labels = { stage, model: model.label };
  try {
    const outcome = await withRetry(
      options.retry,
      context.signal,
      async () => {
        const result = await context.slot(async (preempted) => {
          const started = performance.now();
          // One signal for the record's abort and the pool's pre-emption, its listeners removed
          // after the call (AbortSignal.any on a long-lived signal has leaked in Node).
          const either = new AbortController();
          const abort = (): void => {
            either.abort();
          };
          context.signal.addEventListener('abort', abort);
          preempted.addEventListener('abort', abort);
          if (context.signal.aborted || preempted.aborted) either.abort();
          try {
            const answer = await model.complete(request, either.signal);
            metrics.modelCallSeconds.observe(labels, (performance.now() - started) / 1000);
            return answer;
          } catch (error) {
            // The pool made room for another partition: it makes this call again.
            if (preempted.aborted && !context.signal.aborted)
              metrics.modelCalls.inc({ ...labels, outcome: 'preempted' });
            throw error;
          } finally {
            context.signal.removeEventListener('abort', abort);
            preempted.removeEventListener('abort', abort);
          }
        });
        if (result.content.trim() === '') throw emptyCompletion(model, result);
        return result;
      },
      {
        onRetry: (error) => {
          metrics.retries.inc({ stage, code: error.code });
          metrics.modelCalls.inc({
            ...labels,
            outcome: error.status === 429 ? 'rate_limited' : 'retriable_error',
          });
          if (error.status === 429) context.onRateLimited();
        },
      },
    );
    metrics.modelCalls.inc({ ...labels, outcome: 'ok' });
    if (isTruncated(outcome.value.finishReason)) metrics.truncatedAnswers.inc(labels);
    const { inputTokens, outputTokens, reasoningTokens } = outcome.value;
    for (const [kind, n] of [
      ['input', inputTokens],
      ['output', outputTokens],
      ['reasoning', reasoningTokens],
    ] as const)
      if (n !== null) metrics.tokens.inc({ ...labels, kind }, n);
    const { cost } = options;
    if (cost !== undefined && (stage === 'responder' || stage === 'judge'))
      cost.ledger.record({
        stage,
        runId: cost.runId,
        model: cost.model,
        label: model.label,
        pairKey: context.key,
        tokens: { input: inputTokens, output: outputTokens, reasoning: reasoningTokens },
      });
    return outcome;
  } catch (error) {
    metrics.modelCalls.inc({ ...labels, outcome: 'failed' });
    throw error;
  }
}
