import { createSimulatedModel, type SimulatorOptions } from '../simulator/model.ts';
import { sharedCallThreads } from './call-threads.ts';
import type { ChatModel } from './chat-model.ts';
import { importSdk, loadSdkModel } from './sdk-model.ts';

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
  /**
   * Worker threads that make the SDK calls (--call-threads; 0: the main thread makes them), one
   * setting for the process: its models share them.
   */
  callThreads: number;
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
  const { provider } = settings;
  if (provider === 'simulated') return createSimulatedModel(simulator);
  const sdk = { ...settings, provider };
  const label = `${provider}/${model}`;
  if (settings.callThreads > 0) {
    const threads = sharedCallThreads(settings.callThreads);
    threads.prepare(sdk, model);
    return {
      label,
      simulated: false,
      complete: (request, signal) => threads.call(sdk, model, request, signal),
    };
  }
  let loaded: Promise<ChatModel> | null = null;
  return {
    label,
    simulated: false,
    async complete(request, signal) {
      loaded ??= loadSdkModel(sdk, model);
      return (await loaded).complete(request, signal);
    },
  };
}

/**
 * Readies an endpoint's SDK before the first record arrives: the call threads start and import
 * it (or this thread does, with --call-threads 0), so the first calls do not wait a few hundred
 * milliseconds for thread start and import. Nothing for the in-process simulator.
 */
export function prepareProvider(settings: ProviderSettings): void {
  const { provider } = settings;
  if (provider === 'simulated') return;
  if (settings.callThreads > 0)
    sharedCallThreads(settings.callThreads).prepare({ ...settings, provider }, null);
  // An import that fails here fails again, with its error, at the first call.
  else importSdk(provider).catch(() => undefined);
}
