import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../../../../lib/llm/http-fetch.ts';

let server: Server;
let base: string;
let seen: { method: string | undefined; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      if (req.url === '/hang') return;
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url === '/limited' ? 429 : 200, {
        'content-type': 'application/json',
        'retry-after': '3',
      });
      res.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the SDKs fetch (undici request on a keep-alive pool)', () => {
  it('sends the method, headers and body, and returns status, headers and body', async () => {
    seen = [];
    const fetchIt = createHttpFetch();
    const response = await fetchIt(`${base}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"q":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ echo: '{"q":1}' });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"q":1}' });
    expect(seen[0]?.headers['authorization']).toBe('Bearer k');
  });

  it('keeps an error status (a 429 with its retry-after) for the SDK to read', async () => {
    const response = await createHttpFetch()(new URL(`${base}/limited`), {
      method: 'POST',
      body: 'x',
    });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    // A real Headers: the SDK keeps it on its error, where the retry policy reads retry-after.
    expect(response.headers).toBeInstanceOf(Headers);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({ echo: 'x' });
  });

  it('an answer reads its headers in any case, lists them sorted, and gives its text twice', async () => {
    const response = await createHttpFetch()(`${base}/v1/chat`, {
      method: 'POST',
      headers: new Headers({ 'X-Test': 'yes' }),
      body: new TextEncoder().encode('bytes'),
    });
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${base}/v1/chat`);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.has('RETRY-AFTER')).toBe(true);
    expect(response.headers.get('x-missing')).toBeNull();
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    const names = [...response.headers.entries()].map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('retry-after');
    expect(await response.text()).toBe(JSON.stringify({ echo: 'bytes' }));
    expect(await response.json()).toEqual({ echo: 'bytes' });
    expect(seen.at(-1)?.headers['x-test']).toBe('yes');
  });

  it('a 204 has no body', async () => {
    const response = await createHttpFetch()(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('an aborted signal ends the call', async () => {
    const controller = new AbortController();
    const call = createHttpFetch()(`${base}/hang`, {
      method: 'POST',
      body: 'x',
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expect(call).rejects.toThrow();
  });
});
