import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Listening } from '../../../../lib/http-listen.ts';
import { listenMetrics } from '../../../../lib/metrics-server.ts';
import { createPacHistory } from '../../../../services/aggregator/history.ts';
import { createJudgeAgreement } from '../../../../services/aggregator/judge-agreement.ts';
import { liveRoutes } from '../../../../services/aggregator/live.ts';
import { createAggregatorState } from '../../../../services/aggregator/state.ts';
import { sampleJudgment } from '../../../support/fixtures.ts';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
});

async function serve() {
  const state = createAggregatorState({ windowSize: 10, windowMinutes: 15 });
  const history = createPacHistory({ intervalMs: 5_000, maxPoints: 10 });
  const judgment = sampleJudgment('1');
  state.apply(judgment);
  const counted = state.get(judgment.runId, judgment.judgeId);
  if (counted !== undefined) history.record(counted);
  const progress = [{ runId: judgment.runId, pairs: 40, responded: 12, deadLettered: 1 }];
  server = await listenMetrics(
    new Registry(),
    { port: 0, host: '127.0.0.1' },
    liveRoutes({ state, agreement: createJudgeAgreement(), history, progress: () => progress }),
  );
  return { url: server.url, judgment };
}

describe('the live page routes', () => {
  it('serve the page and its own script and style, allowed to load nothing from elsewhere', async () => {
    const { url } = await serve();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('src="/live.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${url}/live.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(await script.text()).toContain("fetch('/api/metrics'");
    expect((await fetch(`${url}/live.css`)).status).toBe(200);
  });

  it('are read-only', async () => {
    const { url } = await serve();
    for (const path of ['/', '/live.js', '/api/metrics']) {
      const response = await fetch(`${url}${path}`, { method: 'POST' });
      expect(response.status).toBe(405);
    }
  });

  it('give each run its history and progress in /api/metrics', async () => {
    const { url, judgment } = await serve();
    const body: unknown = await (await fetch(`${url}/api/metrics`)).json();
    expect(body).toMatchObject({
      counted: 1,
      runs: [{ runId: judgment.runId, judgeId: judgment.judgeId, cumulative: { pac: 100 } }],
      history: [
        { runId: judgment.runId, judgeId: judgment.judgeId, points: [{ judged: 1, pac: 100 }] },
      ],
      progress: [{ runId: judgment.runId, pairs: 40, responded: 12, deadLettered: 1 }],
    });
  });
});
