import type { ChatResult } from '../../lib/llm/chat-model.ts';
import type { ModelAnswer, ResponsePair } from '../../lib/records/types.gen.ts';

/** Token counts as a judgment carries them: null where the provider did not report them. */
interface Counts {
  input: number | null;
  output: number | null;
  reasoning: number | null;
}

/** Input and output are known only when every part reported them; reasoning when any did. */
function add(a: Counts, b: Counts): Counts {
  const both = (x: number | null, y: number | null): number | null =>
    x === null || y === null ? null : x + y;
  return {
    input: both(a.input, b.input),
    output: both(a.output, b.output),
    reasoning:
      a.reasoning === null && b.reasoning === null ? null : (a.reasoning ?? 0) + (b.reasoning ?? 0),
  };
}

/** The tokens of the judge calls made for one pair (every attempt is paid). */
export interface TokenSum {
  add(result: Pick<ChatResult, 'inputTokens' | 'outputTokens' | 'reasoningTokens'>): void;
  judgeTokens(): {
    judgeInputTokens: number | null;
    judgeOutputTokens: number | null;
    judgeReasoningTokens: number | null;
  };
}

export function createTokenSum(): TokenSum {
  let sum: Counts | null = null;
  return {
    add(result) {
      const counts = {
        input: result.inputTokens,
        output: result.outputTokens,
        reasoning: result.reasoningTokens,
      };
      sum = sum === null ? counts : add(sum, counts);
    },
    judgeTokens: () => ({
      judgeInputTokens: sum?.input ?? null,
      judgeOutputTokens: sum?.output ?? null,
      judgeReasoningTokens: sum?.reasoning ?? null,
    }),
  };
}

const countsOf = (a: ModelAnswer): Counts => ({
  input: a.inputTokens,
  output: a.outputTokens,
  reasoning: a.reasoningTokens,
});

/** The tokens both answers of the pair used, carried on the judgment so it prices the pair alone. */
export function responseTokens(pair: ResponsePair): {
  responseInputTokens: number | null;
  responseOutputTokens: number | null;
  responseReasoningTokens: number | null;
} {
  const both = add(countsOf(pair.forResponse), countsOf(pair.againstResponse));
  return {
    responseInputTokens: both.input,
    responseOutputTokens: both.output,
    responseReasoningTokens: both.reasoning,
  };
}
