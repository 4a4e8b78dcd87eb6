import type { ErrorKind } from '../errors.ts';
import type { ChatRequest, ChatResult } from './chat-model.ts';
import type { ProviderSettings } from './provider.ts';
import type { SdkProviderKind } from './sdk-model.ts';

/** An SDK endpoint's settings, as a call thread receives them. */
export type CallSettings = ProviderSettings & { provider: SdkProviderKind };

/** What the process sends a model call thread: a model to load, a call to make, or to abort. */
export type ToCallThread =
  | {
      kind: 'load';
      settings: CallSettings;
      /** null: import the provider's SDK only. */
      model: string | null;
    }
  | {
      kind: 'call';
      id: number;
      settings: CallSettings;
      model: string;
      request: ChatRequest;
    }
  | { kind: 'abort'; id: number };

/** A ValbenchError, field by field (what crosses the thread; its cause does not). */
export interface ThreadError {
  kind: ErrorKind;
  code: string;
  message: string;
  retryAfterMs: number | undefined;
  status: number | undefined;
}

/** What a call thread answers: the call's result, or the error its adapter classified. */
export type FromCallThread =
  { id: number; result: ChatResult } | { id: number; error: ThreadError };
