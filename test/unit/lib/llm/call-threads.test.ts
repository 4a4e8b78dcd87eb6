/**
 * Model calls through call threads (real worker threads running the OpenAI SDK) against the
 * valbench SIMULATOR server: no model API is reachable here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../../../lib/llm/chat-model.ts';
import { createCallThreads } from '../../../../lib/llm/call-threads.ts';
import type { ProviderSettings } from '../../../../lib/llm/provider.ts';
import { noFaults } from '../../../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../../../lib/simulator/server.ts';

let fast: SimulatorServer;
let hanging: SimulatorServer;

beforeAll(async () => {
  const options = { profile: 'aligned', seed: 1, latency: { kind: 'fixed', ms: 0 } } as const;
  fast = await startSimulatorServer({ ...options, faults: noFaults });
  hanging = await startSimulatorServer({
    ...options,
    faults: { ...noFaults, timeout: 1 },
    hangMs: 10_000,
  });
});
afterAll(async () => {
  await Promise.all([fast.close(), hanging.close()]);
});

const settings = (
  server: SimulatorServer,
): ProviderSettings & { provider: 'openai-compatible' } => ({
  provider: 'openai-compatible',
  endpoint: 'sim',
  baseUrl: `${server.url}/v1`,
  apiKey: null,
  timeoutMs: 20_000,
  simulatorHints: true,
  callThreads: 2,
});

const request = (key: string, side: 'for' | 'judge' = 'for'): ChatRequest => ({
  system: 'be brief',
  user: 'Should cities ban cars?',
  temperature: 0,
  topP: 1,
  maxOutputTokens: 100,
  simulation: { key, side },
  ...(side === 'judge' ? { jsonSchema: { name: 'j', schema: { type: 'object' } } } : {}),
});

describe('call threads', () => {
  it('answer calls spread over their threads, each call with its own answer', async () => {
    const threads = createCallThreads(2);
    threads.prepare(settings(fast), null);
    // Judge calls (a JSON answer) and answer calls (prose) in turn: a result handed to the wrong
    // call would show.
    const sides = Array.from({ length: 20 }, (_, i): 'judge' | 'for' =>
      i % 2 === 0 ? 'judge' : 'for',
    );
    const results = await Promise.all(
      sides.map((side, i) =>
        threads.call(settings(fast), 'm', request(`pair-${i}`, side), new AbortController().signal),
      ),
    );
    expect(results.map((r) => (r.content.trimStart().startsWith('{') ? 'judge' : 'for'))).toEqual(
      sides,
    );
    expect(results.every((r) => (r.outputTokens ?? 0) > 0)).toBe(true);
    await threads.terminate();
  });

  it('a thread that stops fails its calls as retriable, and the next call gets a new thread', async () => {
    const threads = createCallThreads(1);
    const stuck = threads
      .call(settings(hanging), 'm', request('stuck'), new AbortController().signal)
      .catch((error: unknown) => error);
    // The call is in its thread (the thread has loaded the SDK and sent the request).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await threads.terminate();
    expect(await stuck).toMatchObject({ kind: 'retriable', code: 'CALL_THREAD_EXITED' });
    const again = await threads.call(
      settings(fast),
      'm',
      request('again'),
      new AbortController().signal,
    );
    expect(again.content).toContain('valbench simulator');
  });
});
