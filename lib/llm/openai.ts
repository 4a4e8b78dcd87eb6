import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { ValbenchError } from '../errors.ts';
import type { ChatModel, ChatRequest, ChatResult, SdkEndpoint } from './chat-model.ts';
import { sdkFailure } from './failure.ts';
import { simulationHeaders } from './hints.ts';
import { sharedHttpFetch } from './http-fetch.ts';

/** How to reach one OpenAI or OpenAI-compatible endpoint. */
export interface OpenAIEndpoint extends SdkEndpoint {
  /** openai: the Responses API; openai-compatible: chat completions (vLLM, Ollama, llama.cpp). */
  provider: 'openai' | 'openai-compatible';
}

function client(endpoint: OpenAIEndpoint): OpenAI {
  return new OpenAI({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseUrl ?? null,
    timeout: endpoint.timeoutMs,
    // The stage's retry policy (backoff, jitter, retry-after, adaptive concurrency) owns retries;
    // two retry loops stacked would multiply the waits and hide 429s from the limiter.
    maxRetries: 0,
    fetch: endpoint.fetch ?? sharedHttpFetch(),
  });
}

const errorClasses = {
  abort: APIUserAbortError,
  timeout: APIConnectionTimeoutError,
  api: APIError,
};

function failure(endpoint: OpenAIEndpoint, error: unknown, signal: AbortSignal): ValbenchError {
  return sdkFailure(error, signal, {
    provider: endpoint.provider,
    apiKey: endpoint.apiKey,
    classes: errorClasses,
  });
}

/** A reasoning model refuses sampling parameters: they are sent only without a reasoning effort. */
function sampling(request: ChatRequest): { temperature?: number; top_p?: number } {
  return request.reasoningEffort == null
    ? { temperature: request.temperature, top_p: request.topP }
    : {};
}

type Effort = 'minimal' | 'low' | 'medium' | 'high';
const efforts: readonly string[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'none'];

function effort(value: string): Effort {
  if (!efforts.includes(value))
    throw new ValbenchError(
      'fatal',
      'CONFIG_INVALID',
      `reasoning effort '${value}' is not one of ${efforts.join(', ')}`,
    );
  // The SDK's type lags the API's list of efforts; the value was checked just above.
  return value as Effort;
}

/** OpenAI through the Responses API: reasoning summaries, web search, JSON-schema output. */
export function createOpenAIResponsesModel(endpoint: OpenAIEndpoint): ChatModel {
  const openai = client(endpoint);
  return {
    label: `openai/${endpoint.model}`,
    simulated: false,
    async complete(request, signal): Promise<ChatResult> {
      const body: ResponseCreateParamsNonStreaming = {
        model: endpoint.model,
        instructions: request.system,
        input: request.user,
        max_output_tokens: request.maxOutputTokens,
        store: false,
        ...sampling(request),
        ...(request.reasoningEffort == null
          ? {}
          : { reasoning: { effort: effort(request.reasoningEffort), summary: 'auto' } }),
        ...(request.webSearch === true ? { tools: [{ type: 'web_search' }] } : {}),
        ...(request.jsonSchema === undefined
          ? {}
          : {
              text: {
                format: {
                  type: 'json_schema',
                  name: request.jsonSchema.name,
                  schema: request.jsonSchema.schema,
                  strict: true,
                },
              },
            }),
      };
      try {
        const response = await openai.responses.create(body, {
          signal,
          headers: simulationHeaders(endpoint.simulatorHints, request),
        });
        const reasoning = response.output
          .flatMap((item) =>
            item.type === 'reasoning'
              ? [...item.summary.map((s) => s.text), ...(item.content ?? []).map((c) => c.text)]
              : [],
          )
          .join('\n');
        return {
          content: response.output_text,
          reasoning: reasoning === '' ? null : reasoning,
          finishReason:
            response.status === 'incomplete'
              ? (response.incomplete_details?.reason ?? 'incomplete')
              : (response.status ?? 'completed'),
          inputTokens: response.usage?.input_tokens ?? null,
          outputTokens: response.usage?.output_tokens ?? null,
          reasoningTokens: response.usage?.output_tokens_details.reasoning_tokens ?? null,
        };
      } catch (error) {
        throw failure(endpoint, error, signal);
      }
    },
  };
}

/** Any OpenAI-compatible server through chat completions (vLLM, Ollama, llama.cpp, OpenAI). */
export function createChatCompletionsModel(endpoint: OpenAIEndpoint): ChatModel {
  const openai = client(endpoint);
  return {
    label: `${endpoint.provider}/${endpoint.model}`,
    simulated: false,
    async complete(request, signal): Promise<ChatResult> {
      const body: ChatCompletionCreateParamsNonStreaming = {
        model: endpoint.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        // max_tokens, not max_completion_tokens: vLLM, Ollama and llama.cpp all read it.
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- see the line above
        max_tokens: request.maxOutputTokens,
        ...sampling(request),
        ...(request.reasoningEffort == null
          ? {}
          : { reasoning_effort: effort(request.reasoningEffort) }),
        ...(request.jsonSchema === undefined
          ? {}
          : {
              response_format: {
                type: 'json_schema',
                json_schema: {
                  name: request.jsonSchema.name,
                  schema: request.jsonSchema.schema,
                  strict: true,
                },
              },
            }),
      };
      try {
        const completion = await openai.chat.completions.create(body, {
          signal,
          headers: simulationHeaders(endpoint.simulatorHints, request),
        });
        const choice = completion.choices[0];
        if (choice === undefined)
          throw new ValbenchError(
            'retriable',
            'EMPTY_COMPLETION',
            `${endpoint.provider}: completion without choices`,
          );
        return {
          content: choice.message.content ?? '',
          reasoning: reasoningText(choice.message),
          finishReason: choice.finish_reason,
          inputTokens: completion.usage?.prompt_tokens ?? null,
          outputTokens: completion.usage?.completion_tokens ?? null,
          reasoningTokens: completion.usage?.completion_tokens_details?.reasoning_tokens ?? null,
        };
      } catch (error) {
        throw failure(endpoint, error, signal);
      }
    },
  };
}

/** vLLM and llama.cpp put the thinking of reasoning models in a non-standard message field. */
function reasoningText(message: object): string | null {
  for (const field of ['reasoning_content', 'reasoning']) {
    const value: unknown = Object.getOwnPropertyDescriptor(message, field)?.value;
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}
