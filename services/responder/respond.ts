import type { HandleContext } from '../../lib/kafka/stage.ts';
import { callModel, isTruncated } from '../../lib/llm/call.ts';
import type { ChatModel } from '../../lib/llm/chat-model.ts';
import type { CostLedger } from '../../lib/cost/ledger.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type {
  ModelAnswer,
  PromptPair,
  ResponsePair,
  RunConfig,
} from '../../lib/records/types.gen.ts';
import type { RetryPolicy } from '../../lib/retry.ts';

/** Finds the model for a run's provider, endpoint alias and model name; null: not served here. */
export type ModelResolver = (run: RunConfig) => ChatModel | null;

export interface ResponderDeps {
  resolveModel: ModelResolver;
  retry: RetryPolicy;
  metrics: StageMetrics;
  /** Where each call's cost is recorded (priced by the run's model id); none: not counted. */
  ledger?: CostLedger | undefined;
  now?: () => number;
}

/**
 * The responder's logic: both questions of a pair, each verbatim as one user turn in its own
 * conversation, with the run's system prompt and sampling. A failed call is retried, then thrown
 * (dead-lettered by the stage): it is never stored as an answer.
 */
export function createResponder(deps: ResponderDeps) {
  const now = deps.now ?? Date.now;

  async function ask(
    model: ChatModel,
    prompt: PromptPair,
    side: 'for' | 'against',
    context: HandleContext,
  ): Promise<ModelAnswer> {
    const run = prompt.run;
    const started = now();
    const { value, attempts } = await callModel(
      model,
      {
        system: run.systemPrompt,
        user: side === 'for' ? prompt.forQuestion : prompt.againstQuestion,
        temperature: run.temperature,
        topP: run.topP,
        maxOutputTokens: run.maxOutputTokens,
        reasoningEffort: run.reasoningEffort,
        webSearch: run.webSearch,
        simulation: {
          key: prompt.pairId,
          side,
          values: { for: prompt.forValue, against: prompt.againstValue },
        },
      },
      {
        stage: 'responder',
        metrics: deps.metrics,
        retry: deps.retry,
        context,
        cost:
          deps.ledger === undefined
            ? undefined
            : { ledger: deps.ledger, runId: prompt.runId, model: run.model },
      },
    );
    return {
      content: value.content,
      reasoning: value.reasoning,
      finishReason: value.finishReason,
      inputTokens: value.inputTokens,
      outputTokens: value.outputTokens,
      reasoningTokens: value.reasoningTokens,
      latencyMs: Math.round(now() - started),
      attempts,
      truncated: isTruncated(value.finishReason),
    };
  }

  return {
    /** The pair's two answers, or null when this responder does not serve the run's endpoint. */
    async respond(prompt: PromptPair, context: HandleContext): Promise<ResponsePair | null> {
      const model = deps.resolveModel(prompt.run);
      if (model === null) return null;
      const [forResponse, againstResponse] = await Promise.all([
        ask(model, prompt, 'for', context),
        ask(model, prompt, 'against', context),
      ]);
      return {
        runId: prompt.runId,
        pairId: prompt.pairId,
        run: prompt.run,
        issueDescription: prompt.issueDescription,
        forQuestion: prompt.forQuestion,
        againstQuestion: prompt.againstQuestion,
        issueScale: prompt.issueScale,
        category: prompt.category,
        forValue: prompt.forValue,
        againstValue: prompt.againstValue,
        forResponse,
        againstResponse,
        simulated: model.simulated,
        respondedAt: now(),
      };
    },
  };
}
