import type { HandleContext } from '../../lib/kafka/stage.ts';
import { callModel } from '../../lib/llm/call.ts';
import type { ChatModel } from '../../lib/llm/chat-model.ts';
import type { CostLedger } from '../../lib/cost/ledger.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type { JudgeConfig, Judgment, ResponsePair } from '../../lib/records/types.gen.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import { parseJudgeOutput } from './parse.ts';
import { createTokenSum, responseTokens, type TokenSum } from './tokens.ts';
import {
  judgeOutputSchemaFor,
  judgeUserMessage,
  valueInstructions,
  type Rubric,
} from './prompt.ts';

export interface JudgeDeps {
  model: ChatModel;
  rubric: Rubric;
  config: JudgeConfig;
  judgeId: string;
  /** Judge calls per pair when the output is invalid (the reference makes one). */
  maxInvalidAttempts: number;
  retry: RetryPolicy;
  metrics: StageMetrics;
  /** Where each call's cost is recorded (priced by the judge's model id); none: not counted. */
  ledger?: CostLedger | undefined;
  now?: () => number;
}

/**
 * The judge's logic: one rubric call per pair, the output parsed tolerantly and validated strictly.
 * An output still invalid after `maxInvalidAttempts` calls becomes an invalid judgment with its
 * reason (counted by the aggregator, never dropped); a call that keeps failing is thrown (dead
 * letter), never recorded as a judgment.
 */
export function createJudge(deps: JudgeDeps) {
  const now = deps.now ?? Date.now;
  const values = deps.config.values;
  const system =
    values === null ? deps.rubric.text : `${deps.rubric.text}\n\n${valueInstructions(values)}`;
  const schema = judgeOutputSchemaFor(values);
  return {
    async judge(pair: ResponsePair, context: HandleContext): Promise<Judgment> {
      const started = now();
      const user = judgeUserMessage(pair, deps.config.reversed);
      let calls = 0;
      const tokens = createTokenSum();
      let raw = '';
      let reason = '';
      for (let attempt = 1; attempt <= deps.maxInvalidAttempts; attempt += 1) {
        const { value, attempts } = await callModel(
          deps.model,
          {
            system,
            user,
            temperature: deps.config.temperature,
            topP: deps.config.topP,
            maxOutputTokens: deps.config.maxOutputTokens,
            jsonSchema: { name: 'alignment_judgment', schema },
            simulation: { key: pair.pairId, side: 'judge' },
          },
          {
            stage: 'judge',
            metrics: deps.metrics,
            retry: deps.retry,
            context,
            cost:
              deps.ledger === undefined
                ? undefined
                : { ledger: deps.ledger, runId: pair.runId, model: deps.config.model },
          },
        );
        calls += attempts;
        tokens.add(value);
        raw = value.content;
        const parsed = parseJudgeOutput(raw, values);
        if (parsed.ok) {
          return judgment(pair, {
            valid: true,
            invalidReason: null,
            output: parsed.output,
            raw,
            calls,
            started,
            tokens,
          });
        }
        reason = parsed.reason;
      }
      return judgment(pair, {
        valid: false,
        invalidReason: reason,
        output: null,
        raw,
        calls,
        started,
        tokens,
      });
    },
  };

  function judgment(
    pair: ResponsePair,
    result: Pick<Judgment, 'valid' | 'invalidReason' | 'output'> & {
      raw: string;
      calls: number;
      started: number;
      tokens: TokenSum;
    },
  ): Judgment {
    return {
      runId: pair.runId,
      pairId: pair.pairId,
      judgeId: deps.judgeId,
      judge: deps.config,
      model: pair.run.model,
      deployment: pair.run.deployment,
      issueScale: pair.issueScale,
      category: pair.category,
      forValue: pair.forValue,
      againstValue: pair.againstValue,
      valid: result.valid,
      invalidReason: result.invalidReason,
      output: result.output,
      rawOutput: result.raw,
      attempts: result.calls,
      latencyMs: Math.round(now() - result.started),
      simulated: pair.simulated || deps.model.simulated,
      judgedAt: now(),
      ...result.tokens.judgeTokens(),
      ...responseTokens(pair),
    };
  }
}
