import { createSimulatedModel, type SimulatorOptions } from '../simulator/model.ts';
import type { ChatModel } from './chat-model.ts';

export const providerKinds = ['simulated', 'openai', 'openai-compatible', 'anthropic'] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** One endpoint a responder or judge calls. The API key is a secret: never logged or published. */
export interface ProviderSettings {
  provider: ProviderKind;
  /** The alias recorded in run and judge configs (never the URL, which may carry credentials). */
  endpoint: string;
  baseUrl: string | null;
  apiKey: string | null;
  timeoutMs: number;
  /** Send the pair hint headers the simulator server reads (for runs against the simulator). */
  simulatorHints: boolean;
}

/** Whether the endpoint is the valbench simulator: in process, or the server the hints are for. */
export function isSimulatedEndpoint(settings: ProviderSettings): boolean {
  return settings.provider === 'simulated' || settings.simulatorHints;
}

/**
 * The ChatModel for a model name on an endpoint: the in-process simulator, OpenAI's Responses
 * API, chat completions on any OpenAI-compatible server, or Anthropic's Messages API.
 */
export function createChatModel(
  settings: ProviderSettings,
  model: string,
  simulator: SimulatorOptions,
): ChatModel {
  const connected = connect(settings, model, simulator);
  // The hints are for the valbench simulator server only: its answers are labelled simulated.
  return isSimulatedEndpoint(settings) && !connected.simulated
    ? { ...connected, simulated: true }
    : connected;
}

function connect(
  settings: ProviderSettings,
  model: string,
  simulator: SimulatorOptions,
): ChatModel {
  const common = {
    model,
    baseUrl: settings.baseUrl ?? undefined,
    timeoutMs: settings.timeoutMs,
    simulatorHints: settings.simulatorHints,
  };
  switch (settings.provider) {
    case 'simulated':
      return createSimulatedModel(simulator);
    case 'openai':
      return deferred(`openai/${model}`, async () =>
        (await import('./openai.ts')).createOpenAIResponsesModel({
          ...common,
          provider: 'openai',
          apiKey: settings.apiKey ?? '',
        }),
      );
    case 'openai-compatible':
      // vLLM, Ollama and llama.cpp accept any key when started without one.
      return deferred(`openai-compatible/${model}`, async () =>
        (await import('./openai.ts')).createChatCompletionsModel({
          ...common,
          provider: 'openai-compatible',
          apiKey: settings.apiKey ?? 'none',
        }),
      );
    case 'anthropic':
      return deferred(`anthropic/${model}`, async () =>
        (await import('./anthropic.ts')).createAnthropicModel({
          ...common,
          apiKey: settings.apiKey ?? '',
        }),
      );
  }
}

/**
 * A model whose SDK adapter is imported on its first call: a process loads the one SDK it
 * calls (each costs 20 to 35 MB of resident memory), none when the model is simulated.
 */
function deferred(label: string, load: () => Promise<ChatModel>): ChatModel {
  let loaded: Promise<ChatModel> | null = null;
  return {
    label,
    simulated: false,
    async complete(request, signal) {
      loaded ??= load();
      return (await loaded).complete(request, signal);
    },
  };
}
