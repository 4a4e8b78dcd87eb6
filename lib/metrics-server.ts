import { createServer } from 'node:http';
import { listen, type Listening } from './http-listen.ts';
import type { Registry } from 'prom-client';

/**
 * Serves the process's registry on /metrics (Prometheus text format), /healthz, and any JSON
 * routes given (the aggregator's /api/metrics).
 */
export async function listenMetrics(
  registry: Registry,
  at: { port: number; host: string },
  json: Record<string, () => unknown> = {},
): Promise<Listening> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const route = json[path];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          send(200, registry.contentType, text);
        },
        (error: unknown) => {
          send(500, 'text/plain', `metrics failed: ${String(error)}\n`);
        },
      );
    } else if (route !== undefined) {
      send(200, 'application/json', JSON.stringify(route()));
    } else if (path === '/healthz') {
      send(200, 'text/plain', 'ok\n');
    } else {
      send(404, 'text/plain', 'not found\n');
    }
  });
  return listen(server, at);
}
