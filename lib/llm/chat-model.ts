/** One chat call: a system prompt and one user turn, as VAL-Bench sends them. */
export interface ChatRequest {
  system: string;
  user: string;
  temperature: number;
  topP: number;
  maxOutputTokens: number;
  /** Ask for JSON matching this schema, where the provider supports structured output. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  reasoningEffort?: string | null;
  webSearch?: boolean;
  /**
   * Which pair and side the call is for. Only the simulator reads it (to behave per pair as its
   * profile says); real providers never receive it.
   */
  simulation?: {
    key: string;
    side: 'for' | 'against' | 'judge';
    /** The values the pair's two questions ask to argue for (value-labelled datasets). */
    values?: { for: string | null; against: string | null };
  };
}

export interface ChatResult {
  content: string;
  reasoning: string | null;
  finishReason: string;
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
}

/**
 * A model behind one provider. Errors are ValbenchErrors: retriable (429 with retryAfterMs,
 * 5xx, timeouts, network), poison (this request can never succeed) or fatal (401/403, config).
 */
export interface ChatModel {
  /** Provider kind and model, for logs and metric labels. */
  readonly label: string;
  readonly simulated: boolean;
  complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;
}

/** How an SDK adapter reaches its endpoint (the fields OpenAI and Anthropic share). */
export interface SdkEndpoint {
  model: string;
  apiKey: string;
  baseUrl?: string | undefined;
  /** Per-request timeout. The SDK's own retries are off: the stage's retry policy is the one. */
  timeoutMs: number;
  /** Send the pair/side hint headers (only the valbench simulator server reads them). */
  simulatorHints: boolean;
  fetch?: typeof fetch;
}
