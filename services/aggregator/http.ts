import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { AggregatorState } from './state.ts';
import { stateJson } from './exporter.ts';

/** /metrics (Prometheus text), /api/metrics (JSON), /healthz. */
export function createMetricsServer(registry: Registry, state: AggregatorState): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          send(200, registry.contentType, text);
        },
        (error: unknown) => {
          send(500, 'text/plain', String(error));
        },
      );
    } else if (path === '/api/metrics') {
      send(
        200,
        'application/json',
        JSON.stringify({ counted: state.counted(), runs: stateJson(state) }),
      );
    } else if (path === '/healthz') {
      send(200, 'text/plain', 'ok\n');
    } else {
      send(404, 'text/plain', 'not found\n');
    }
  });
}
