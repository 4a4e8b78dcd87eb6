import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { listenMetrics, stagesHealth } from '../../../lib/metrics-server.ts';
import type { Listening } from '../../../lib/http-listen.ts';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
});

describe('/healthz', () => {
  it('answers 503 with the reason while a stage is not consuming, 200 once it is', async () => {
    let consuming = false;
    const stage = {
      health: () => ({
        consuming,
        reason: consuming ? 'judge consuming' : 'judge is not in its consumer group',
      }),
    };
    server = await listenMetrics(
      new Registry(),
      { port: 0, host: '127.0.0.1' },
      {},
      stagesHealth([stage]),
    );
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('judge is not in its consumer group');
    consuming = true;
    const up = await fetch(`${server.url}/healthz`);
    expect(up.status).toBe(200);
  });
});
