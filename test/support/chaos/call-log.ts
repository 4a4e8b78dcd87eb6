/**
 * A recording proxy in front of a simulator server. The server counts requests per route only;
 * the chaos report needs to know which calls asked for a pair (and side) a second time, and when,
 * so each request's hint headers are logged here with the time its body was fully received (when
 * the server counts it too), then the request is passed on untouched.
 */
import { createServer, request } from 'node:http';
import { listen } from '../../../lib/http-listen.ts';
import { simulationKeyHeader, simulationSideHeader } from '../../../lib/llm/hints.ts';

/** One model call: when, and for which pair and side ('for', 'against' or 'judge'). */
export interface Call {
  at: number;
  key: string;
}

export interface CallLog {
  /** Base URL to give the SDK instead of the server's (append /v1). */
  readonly url: string;
  readonly calls: readonly Call[];
  close(): Promise<void>;
}

export async function startCallLog(target: string): Promise<CallLog> {
  const upstream = new URL(target);
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const key = req.headers[simulationKeyHeader];
    const side = req.headers[simulationSideHeader];
    req.on('end', () => {
      if (req.method === 'POST')
        calls.push({ at: Date.now(), key: `${String(key)}/${String(side)}` });
    });
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A killed caller leaves: drop its upstream request too, as a real provider connection would.
    res.on('close', () => {
      forward.destroy();
    });
    req.pipe(forward);
  });
  const listening = await listen(server, { port: 0, host: '127.0.0.1' });
  return { url: listening.url, calls, close: () => listening.close() };
}
