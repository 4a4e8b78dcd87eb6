import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the process's registry on /metrics (Prometheus text format), /healthz, and any JSON
 * routes given (the aggregator's /api/metrics).
 */
export async function listenMetrics(
  registry: Registry,
  listen: { port: number; host: string },
  json: Record<string, () => unknown> = {},
): Promise<MetricsServer> {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('metrics server: no address');
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
