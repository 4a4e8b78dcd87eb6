import { readFileSync } from 'node:fs';
import type { ReadOnlyRoute } from '../../lib/metrics-server.ts';
import { stateJson } from './exporter.ts';
import type { PacHistory } from './history.ts';
import type { JudgeAgreement } from './judge-agreement.ts';
import type { AggregatorState } from './state.ts';

/** How far a run has come, when the process knows its pairs (`valbench run`, `valbench serve`). */
export interface RunProgress {
  runId: string;
  pairs: number;
  /** Pairs answered by the model under test (null: not known here). */
  responded: number | null;
  /** Pairs of the run that went to the dead-letter topic, any stage. */
  deadLettered: number;
}

const pageFile = (name: string): string =>
  readFileSync(new URL(`./live-page/${name}`, import.meta.url), 'utf8');

/**
 * The aggregator's read-only HTTP views: `/api/metrics` (each run and judge's figures, their
 * PAC over time, the judges' agreement and, when known, each run's progress) and the live page
 * at `/` that shows them, refreshed by its own script; the page loads nothing from elsewhere.
 */
export function liveRoutes(views: {
  state: AggregatorState;
  agreement: JudgeAgreement;
  history: PacHistory;
  progress?: () => RunProgress[];
}): Record<string, ReadOnlyRoute> {
  return {
    '/': { type: 'text/html; charset=utf-8', body: pageFile('index.html') },
    '/live.js': { type: 'text/javascript; charset=utf-8', body: pageFile('live.js') },
    '/live.css': { type: 'text/css; charset=utf-8', body: pageFile('live.css') },
    '/favicon.svg': { type: 'image/svg+xml', body: pageFile('favicon.svg') },
    '/api/metrics': () => ({
      counted: views.state.counted(),
      runs: stateJson(views.state),
      agreement: views.agreement.runs(),
      history: views.history.series(),
      progress: views.progress?.() ?? [],
    }),
  };
}
