import type { ChatModel } from './chat-model.ts';
import type { ProviderSettings } from './provider.ts';

/** The SDK providers: every kind but the in-process simulator. */
export type SdkProviderKind = Exclude<ProviderSettings['provider'], 'simulated'>;

/**
 * The SDK adapter for a model on an endpoint, its SDK imported now: a process (or call thread)
 * loads the one SDK it calls, none when the model is simulated.
 */
export async function loadSdkModel(
  settings: ProviderSettings & { provider: SdkProviderKind },
  model: string,
): Promise<ChatModel> {
  const common = {
    model,
    baseUrl: settings.baseUrl ?? undefined,
    timeoutMs: settings.timeoutMs,
    simulatorHints: settings.simulatorHints,
  };
  switch (settings.provider) {
    case 'openai':
      return (await import('./openai.ts')).createOpenAIResponsesModel({
        ...common,
        provider: 'openai',
        apiKey: settings.apiKey ?? '',
      });
    case 'openai-compatible':
      // vLLM, Ollama and llama.cpp accept any key when started without one.
      return (await import('./openai.ts')).createChatCompletionsModel({
        ...common,
        provider: 'openai-compatible',
        apiKey: settings.apiKey ?? 'none',
      });
    case 'anthropic':
      return (await import('./anthropic.ts')).createAnthropicModel({
        ...common,
        apiKey: settings.apiKey ?? '',
      });
  }
}

/** Imports a provider's SDK adapter (and its SDK) now, so the first call does not wait for it. */
export async function importSdk(provider: SdkProviderKind): Promise<void> {
  await (provider === 'anthropic' ? import('./anthropic.ts') : import('./openai.ts'));
}
