import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening HTTP server: its URL (reachable from this host) and an idempotent-enough close. */
export interface Listening {
  /** e.g. http://127.0.0.1:9464 (a wildcard bind is reported as 127.0.0.1). */
  readonly url: string;
  /** Drops open connections (keep-alive, hung requests) and stops listening. */
  close(): Promise<void>;
}

/** Starts listening (port 0: any free port) and resolves once bound; rejects on EADDRINUSE. */
export async function listen(
  server: Server,
  at: { port: number; host: string },
): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`no TCP address after listening on ${at.host}:${at.port}`);
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
