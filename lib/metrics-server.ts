import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type Listening } from './http-listen.ts';
import type { Registry } from 'prom-client';

/** Whether the process does its job: each stage consuming, or the reasons it is not. */
export type HealthCheck = () => { ok: boolean; reasons: string[] };

/** Healthy when every stage consumes; otherwise the reasons of those that do not. */
export function stagesHealth(
  stages: readonly { health(): { consuming: boolean; reason: string } }[],
): HealthCheck {
  return () => {
    const states = stages.map((s) => s.health());
    return {
      ok: states.every((s) => s.consuming),
      reasons: states.filter((s) => !s.consuming).map((s) => s.reason),
    };
  };
}

/** A fixed read-only resource (the live page and its script), served as is. */
export interface StaticRoute {
  type: string;
  body: string;
}

/** A read-only route: a JSON view computed per request, or a fixed resource. */
export type ReadOnlyRoute = (() => unknown) | StaticRoute;

/** More routes on the same server: resolves true when it answered the request. */
export type ExtraRoutes = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * Serves the process's registry on /metrics (Prometheus text format), /healthz (200, or 503
 * with the reasons when the health check fails: a stage not consuming), and the read-only
 * routes given (the aggregator's /api/metrics as JSON, its live page as static resources).
 */
export async function listenMetrics(
  registry: Registry,
  at: { port: number; host: string },
  routes: Record<string, ReadOnlyRoute> = {},
  health: HealthCheck = () => ({ ok: true, reasons: [] }),
  extra?: ExtraRoutes,
): Promise<Listening> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const route = routes[path];
    const readOnly = path === '/metrics' || route !== undefined || path === '/healthz';
    if (readOnly && request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
      response.end('read-only\n');
      return;
    }
    if (!readOnly && extra !== undefined) {
      extra(request, response).then(
        (answered) => {
          if (!answered) send(404, 'text/plain', 'not found\n');
        },
        () => {
          // The routes log their own failures; the message may name things the caller must not see.
          if (!response.headersSent) send(500, 'text/plain', 'internal error\n');
          else response.destroy();
        },
      );
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          send(200, registry.contentType, text);
        },
        (error: unknown) => {
          send(500, 'text/plain', `metrics failed: ${String(error)}\n`);
        },
      );
    } else if (typeof route === 'function') {
      send(200, 'application/json', JSON.stringify(route()));
    } else if (route !== undefined) {
      // The page loads nothing but its own files and its own /api/metrics.
      response.writeHead(200, {
        'content-type': route.type,
        'content-security-policy': "default-src 'self'",
        'x-content-type-options': 'nosniff',
      });
      response.end(route.body);
    } else if (path === '/healthz') {
      const state = health();
      if (state.ok) send(200, 'text/plain', 'ok\n');
      else send(503, 'text/plain', `not consuming: ${state.reasons.join('; ')}\n`);
    } else {
      send(404, 'text/plain', 'not found\n');
    }
  });
  return listen(server, at);
}
