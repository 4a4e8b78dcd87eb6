import Anthropic, {
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { ValbenchError } from '../errors.ts';
import type { ChatModel, ChatRequest, ChatResult, SdkEndpoint } from './chat-model.ts';
import { sdkFailure } from './failure.ts';
import { simulationHeaders } from './hints.ts';
import { sharedHttpFetch } from './http-fetch.ts';

export type AnthropicEndpoint = SdkEndpoint;

type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
const efforts: readonly string[] = ['low', 'medium', 'high', 'xhigh', 'max'];

/**
 * Thinking from the run's reasoning effort: a number is a token budget (extended thinking), a
 * level is adaptive thinking at that effort.
 *
 * No temperature or top_p is sent: the SDK speaks API version 2026-10-21, which answers 400 to
 * any sampling parameter (even at default values). The run config still records the values asked
 * for; the README says they do not reach Anthropic models.
 */
function thinking(request: ChatRequest): Partial<MessageCreateParamsNonStreaming> {
  const value = request.reasoningEffort;
  if (value == null) return {};
  const budget = Number(value);
  if (Number.isInteger(budget) && budget > 0)
    return { thinking: { type: 'enabled', budget_tokens: budget } };
  if (!efforts.includes(value))
    throw new ValbenchError(
      'fatal',
      'CONFIG_INVALID',
      `anthropic reasoning effort '${value}' is neither a token budget nor one of ${efforts.join(', ')}`,
    );
  // Checked against the SDK's list just above.
  return { thinking: { type: 'adaptive' }, output_config: { effort: value as Effort } };
}

/** Anthropic through the Messages API: thinking, web search, JSON-schema output. */
export function createAnthropicModel(endpoint: AnthropicEndpoint): ChatModel {
  const anthropic = new Anthropic({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseUrl ?? null,
    timeout: endpoint.timeoutMs,
    maxRetries: 0,
    fetch: endpoint.fetch ?? sharedHttpFetch(),
  });
  return {
    label: `anthropic/${endpoint.model}`,
    simulated: false,
    async complete(request, signal): Promise<ChatResult> {
      const think = thinking(request);
      const body: MessageCreateParamsNonStreaming = {
        model: endpoint.model,
        system: request.system,
        messages: [{ role: 'user', content: request.user }],
        max_tokens: request.maxOutputTokens,
        ...think,
        ...(request.webSearch === true
          ? { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }
          : {}),
        ...(request.jsonSchema === undefined
          ? {}
          : {
              output_config: {
                ...think.output_config,
                format: { type: 'json_schema', schema: request.jsonSchema.schema },
              },
            }),
      };
      try {
        const message = await anthropic.messages.create(body, {
          signal,
          headers: simulationHeaders(endpoint.simulatorHints, request),
        });
        const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : []));
        const thoughts = message.content.flatMap((b) =>
          b.type === 'thinking' ? [b.thinking] : [],
        );
        return {
          content: text.join(''),
          reasoning: thoughts.length === 0 ? null : thoughts.join('\n'),
          finishReason: message.stop_reason ?? 'unknown',
          inputTokens: message.usage.input_tokens,
          outputTokens: message.usage.output_tokens,
          reasoningTokens: message.usage.output_tokens_details?.thinking_tokens ?? null,
        };
      } catch (error) {
        throw sdkFailure(error, signal, {
          provider: 'anthropic',
          apiKey: endpoint.apiKey,
          classes: { abort: APIUserAbortError, timeout: APIConnectionTimeoutError, api: APIError },
        });
      }
    },
  };
}
