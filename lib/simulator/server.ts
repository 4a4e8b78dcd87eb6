import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isValbenchError } from '../errors.ts';
import { listen } from '../http-listen.ts';
import type { ChatRequest } from '../llm/chat-model.ts';
import { simulationKeyHeader, simulationSideHeader, simulationValuesHeader } from '../llm/hints.ts';
import { injectFault, latencyMs, simulatedReply, type SimulatorOptions } from './model.ts';

export interface SimulatorServerOptions extends SimulatorOptions {
  /** When set, requests must carry this key (Bearer or x-api-key), else 401. */
  apiKey?: string | undefined;
  /** How long an injected timeout holds the request before answering 504. */
  hangMs?: number;
}

export interface SimulatorServer {
  /** Base URL without the /v1 suffix, e.g. http://127.0.0.1:8400 */
  readonly url: string;
  /** Requests answered so far, by route, for tests and logs. */
  readonly served: Record<string, number>;
  close(): Promise<void>;
}

type Wire = 'chat' | 'responses' | 'messages';

interface Parsed {
  system: string;
  user: string;
  wantsJson: boolean;
  model: string;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value
      .map((part: unknown) =>
        typeof part === 'object' && part !== null && 'text' in part ? text(part.text) : text(part),
      )
      .join('');
  if (typeof value === 'object' && value !== null && 'content' in value) return text(value.content);
  return '';
}

function field(body: object, name: string): unknown {
  return Object.getOwnPropertyDescriptor(body, name)?.value;
}

/** Reads what the three wire protocols say into one shape. */
function parseBody(wire: Wire, body: object): Parsed {
  const model = text(field(body, 'model'));
  if (wire === 'responses') {
    const format = field(field(body, 'text') ?? {}, 'format');
    return {
      system: text(field(body, 'instructions')),
      user: text(field(body, 'input')),
      wantsJson: format !== undefined && text(field(format ?? {}, 'type')) === 'json_schema',
      model,
    };
  }
  const messages: unknown = field(body, 'messages');
  const list: unknown[] = Array.isArray(messages) ? messages : [];
  const role = (m: unknown): string =>
    typeof m === 'object' && m !== null ? text(field(m, 'role')) : '';
  const user = list
    .filter((m) => role(m) === 'user')
    .map(text)
    .join('\n');
  if (wire === 'chat') {
    return {
      system: list
        .filter((m) => role(m) === 'system')
        .map(text)
        .join('\n'),
      user,
      wantsJson: field(body, 'response_format') !== undefined,
      model,
    };
  }
  return {
    system: text(field(body, 'system')),
    user,
    wantsJson: field(field(body, 'output_config') ?? {}, 'format') != null,
    model,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  // A length, not chunked encoding: one write here and no chunk framing for the client to parse.
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-valbench-simulator': 'true',
    ...headers,
  });
  res.end(text);
}

function errorBody(wire: Wire, status: number, message: string): unknown {
  return wire === 'messages'
    ? { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } }
    : { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error' } };
}

let sequence = 0;

function reply(wire: Wire, model: string, content: string, tokens: [number, number]): unknown {
  sequence += 1;
  const id = `sim-${sequence}`;
  const created = Math.floor(Date.now() / 1000);
  const label = `${model} (valbench simulator)`;
  if (wire === 'chat')
    return {
      id,
      object: 'chat.completion',
      created,
      model: label,
      system_fingerprint: 'valbench-simulator',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: tokens[0],
        completion_tokens: tokens[1],
        total_tokens: tokens[0] + tokens[1],
      },
    };
  if (wire === 'responses')
    return {
      id,
      object: 'response',
      created_at: created,
      status: 'completed',
      model: label,
      output: [
        {
          type: 'message',
          id: `msg-${id}`,
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: content, annotations: [] }],
        },
      ],
      usage: {
        input_tokens: tokens[0],
        output_tokens: tokens[1],
        total_tokens: tokens[0] + tokens[1],
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    };
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: label,
    content: [{ type: 'text', text: content }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: tokens[0], output_tokens: tokens[1] },
  };
}

const routes: Record<string, Wire> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
};

async function readJson(req: IncomingMessage): Promise<object | null> {
  const chunks: Buffer[] = [];
  // Data events rather than the stream's async iterator: cheaper per call (with a length on the
  // answer, 114 → 105 µs of this server's CPU per call at 64 in flight).
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', resolve);
    req.on('error', reject);
  });
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

/**
 * The valbench simulator as an HTTP server speaking the OpenAI chat completions and Responses
 * protocols and the Anthropic Messages protocol, so tests and load tests run the real SDK paths.
 * Every answer is labelled (header `x-valbench-simulator`, model name, answer text). Per-pair
 * behaviour needs the opt-in hint headers; without them the question text is the key.
 */
export async function startSimulatorServer(
  options: SimulatorServerOptions,
  at: { port: number; host: string } = { port: 0, host: '127.0.0.1' },
): Promise<SimulatorServer> {
  const random = options.random ?? Math.random;
  const served: Record<string, number> = {};
  const closing = new AbortController();
  // Every delayed answer waits on this signal: many more than Node's default of 10.
  setMaxListeners(0, closing.signal);
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(error) } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && (path === '/healthz' || path === '/')) {
      send(res, 200, { simulator: 'valbench', profile: options.profile, seed: options.seed });
      return;
    }
    const wire = routes[path];
    if (req.method !== 'POST' || wire === undefined) {
      send(res, 404, { error: { message: `the valbench simulator has no route ${path}` } });
      return;
    }
    if (options.apiKey !== undefined) {
      const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
      const given = req.headers['x-api-key'] ?? bearer;
      if (given !== options.apiKey) {
        send(res, 401, errorBody(wire, 401, 'invalid api key (valbench simulator)'));
        return;
      }
    }
    const body = await readJson(req);
    if (body === null) {
      send(res, 400, errorBody(wire, 400, 'request body is not a JSON object'));
      return;
    }
    const parsed = parseBody(wire, body);
    served[wire] = (served[wire] ?? 0) + 1;
    const delay = latencyMs(options.latency, random);
    if (delay > 0) await sleep(delay, undefined, { signal: closing.signal }).catch(() => undefined);
    try {
      injectFault(options.faults, random);
    } catch (error) {
      if (!isValbenchError(error)) throw error;
      if (error.code === 'TIMEOUT') {
        await sleep(options.hangMs ?? 30_000, undefined, { signal: closing.signal }).catch(
          () => undefined,
        );
        send(res, 504, errorBody(wire, 504, 'simulated gateway timeout'));
        return;
      }
      const status = error.status ?? 500;
      const headers =
        status === 429 && error.retryAfterMs !== undefined
          ? {
              'retry-after-ms': String(error.retryAfterMs),
              'retry-after': String(Math.ceil(error.retryAfterMs / 1000)),
            }
          : {};
      send(res, status, errorBody(wire, status, error.message), headers);
      return;
    }
    const key = req.headers[simulationKeyHeader];
    const side = req.headers[simulationSideHeader];
    const values = askedValues(req.headers[simulationValuesHeader]);
    const request: Pick<ChatRequest, 'user' | 'jsonSchema' | 'simulation'> = {
      user: parsed.user,
      ...(parsed.wantsJson ? { jsonSchema: { name: 'judgment', schema: {} } } : {}),
      ...(typeof key === 'string' && (side === 'for' || side === 'against' || side === 'judge')
        ? {
            simulation: {
              key: decodeURIComponent(key),
              side,
              ...(values === undefined ? {} : { values }),
            },
          }
        : {}),
    };
    const result = simulatedReply(options, request, random);
    send(
      res,
      200,
      reply(wire, parsed.model, result.content, [
        result.inputTokens ?? 0,
        result.outputTokens ?? 0,
      ]),
    );
  }

  const listening = await listen(server, at);
  return {
    url: listening.url,
    served,
    async close() {
      closing.abort();
      await listening.close();
    },
  };
}

/** The asked values of the pair from the hint header (undefined when absent or unreadable). */
function askedValues(
  header: string | string[] | undefined,
): { for: string | null; against: string | null } | undefined {
  if (typeof header !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(decodeURIComponent(header));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      for: text('for' in parsed ? parsed.for : null),
      against: text('against' in parsed ? parsed.against : null),
    };
  } catch {
    return undefined;
  }
}
