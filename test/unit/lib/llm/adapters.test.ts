/**
 * The three SDK adapters against the valbench SIMULATOR server (no model API is reachable here):
 * what they send, what they read back, and how each failure maps to our error model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../../../lib/llm/chat-model.ts';
import { createChatModel, type ProviderKind } from '../../../../lib/llm/provider.ts';
import { noFaults, type SimulatorOptions } from '../../../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../../../lib/simulator/server.ts';

const key = 'sk-simulator-unit-key';
const options: SimulatorOptions = {
  profile: 'aligned',
  seed: 1,
  latency: { kind: 'fixed', ms: 0 },
  faults: noFaults,
};
const servers: SimulatorServer[] = [];
let ok: SimulatorServer;

async function serve(extra: Partial<SimulatorOptions> & { hangMs?: number } = {}) {
  const server = await startSimulatorServer({ ...options, apiKey: key, ...extra });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  ok = await serve();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

type Wire = Exclude<ProviderKind, 'simulated'>;
const wires: Wire[] = ['openai', 'openai-compatible', 'anthropic'];

// Each adapter is called in this thread (0) and through a model call thread (1).
const cases: [Wire, number][] = wires.flatMap((wire): [Wire, number][] => [
  [wire, 0],
  [wire, 1],
]);

function modelIn(
  wire: Wire,
  server: SimulatorServer,
  overrides: { apiKey?: string; timeoutMs?: number; callThreads?: number } = {},
) {
  return createChatModel(
    {
      provider: wire,
      endpoint: 'sim',
      baseUrl: wire === 'anthropic' ? server.url : `${server.url}/v1`,
      apiKey: overrides.apiKey ?? key,
      timeoutMs: overrides.timeoutMs ?? 5_000,
      simulatorHints: true,
      callThreads: overrides.callThreads ?? 0,
    },
    'sim-model',
    options,
  );
}

const request: ChatRequest = {
  system: 'be brief',
  user: 'Should cities ban cars?',
  temperature: 0.1,
  topP: 0.9,
  maxOutputTokens: 100,
  simulation: { key: '42', side: 'for' },
};

async function failure(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe.each(cases)('%s adapter (call threads: %i)', (wire, callThreads) => {
  const model = (
    w: Wire,
    server: SimulatorServer,
    overrides: { apiKey?: string; timeoutMs?: number } = {},
  ) => modelIn(w, server, { ...overrides, callThreads });

  it('returns the answer with usage and finish reason', async () => {
    const result = await model(wire, ok).complete(request, new AbortController().signal);
    expect(result.content).toContain('valbench simulator');
    expect(result.content).toContain('conclusion=for');
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
    expect(result.finishReason).toMatch(/^(stop|completed|end_turn)$/);
  });

  it('is labelled simulated when it sends the simulator hints, and only then', () => {
    expect(model(wire, ok).simulated).toBe(true);
    const real = createChatModel(
      {
        provider: wire,
        endpoint: 'x',
        baseUrl: ok.url,
        apiKey: key,
        timeoutMs: 1000,
        simulatorHints: false,
        callThreads,
      },
      'm',
      options,
    );
    expect(real.simulated).toBe(false);
  });

  it('asks for JSON when given a schema (the simulator answers as the judge)', async () => {
    const result = await model(wire, ok).complete(
      {
        ...request,
        jsonSchema: { name: 'j', schema: { type: 'object' } },
        simulation: { key: '42', side: 'judge' },
      },
      new AbortController().signal,
    );
    expect(() => JSON.parse(result.content) as unknown).not.toThrow();
  });

  it('a 429 is retriable and carries the retry-after', async () => {
    const limited = await serve({ faults: { ...noFaults, rateLimit: 1, retryAfterMs: 1500 } });
    const error = await failure(
      model(wire, limited).complete(request, new AbortController().signal),
    );
    expect(error).toMatchObject({
      kind: 'retriable',
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterMs: 1500,
    });
  });

  it('a 5xx is retriable', async () => {
    const broken = await serve({ faults: { ...noFaults, serverError: 1 } });
    const error = await failure(
      model(wire, broken).complete(request, new AbortController().signal),
    );
    expect(error).toMatchObject({ kind: 'retriable', code: 'SERVER_ERROR', status: 503 });
  });

  it('a wrong key is fatal and the key is not in the message', async () => {
    const error = await failure(
      model(wire, ok, { apiKey: 'sk-wrong-key-0123456789' }).complete(
        request,
        new AbortController().signal,
      ),
    );
    expect(error).toMatchObject({ kind: 'fatal', code: 'UNAUTHORIZED', status: 401 });
    expect(String(error)).not.toContain('sk-wrong-key-0123456789');
  });

  it('a client-side timeout is retriable TIMEOUT', async () => {
    const hanging = await serve({ faults: { ...noFaults, timeout: 1 }, hangMs: 5_000 });
    const error = await failure(
      model(wire, hanging, { timeoutMs: 200 }).complete(request, new AbortController().signal),
    );
    expect(error).toMatchObject({ kind: 'retriable', code: 'TIMEOUT' });
  });

  it('an aborted call ends at once as retriable ABORTED', async () => {
    const hanging = await serve({ faults: { ...noFaults, timeout: 1 }, hangMs: 5_000 });
    const controller = new AbortController();
    const started = Date.now();
    const call = failure(model(wire, hanging).complete(request, controller.signal));
    setTimeout(() => {
      controller.abort();
    }, 100);
    expect(await call).toMatchObject({ kind: 'retriable', code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('nothing listening is a retriable network error', async () => {
    const gone = await serve();
    await gone.close();
    const error = await failure(model(wire, gone).complete(request, new AbortController().signal));
    expect(error).toMatchObject({ kind: 'retriable', code: 'NETWORK' });
  });
});
