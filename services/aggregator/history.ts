import { summarize } from './metrics.ts';
import type { RunJudgeState } from './state.ts';

/** One point of a (run, judge)'s cumulative PAC over time (null: no valid judgment yet). */
export interface HistoryPoint {
  /** Epoch milliseconds of the last judgment the point includes. */
  t: number;
  judged: number;
  pac: number | null;
  pacCiLow: number | null;
  pacCiHigh: number | null;
}

export interface HistorySeries {
  runId: string;
  judgeId: string;
  /** Current spacing of the points, milliseconds (doubles each time the series is thinned). */
  intervalMs: number;
  points: HistoryPoint[];
}

interface Track extends HistorySeries {
  /** When the newest point's interval began. */
  bucketStart: number;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

/**
 * PAC over time per (run, judge), in memory, bounded: at most one point per interval (the
 * newest point follows the judgments until its interval ends), and at most `maxPoints` per
 * series: a full series drops every other point and doubles its interval, so it always spans
 * the whole run. Times are those at which the aggregator read the judgments: a restarted
 * aggregator, rebuilding its state from the topic, starts the history at its restart.
 */
export function createPacHistory(options: {
  intervalMs: number;
  maxPoints: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const tracks = new Map<string, Track>();
  return {
    /** Notes the state of a (run, judge) after a judgment was counted. */
    record(state: RunJudgeState): void {
      const t = now();
      const s = summarize(state.cumulative.overall);
      const point: HistoryPoint = {
        t,
        judged: s.valid + s.invalid,
        pac: finite(s.pac),
        pacCiLow: finite(s.pacCiLow),
        pacCiHigh: finite(s.pacCiHigh),
      };
      const id = `${state.runId}|${state.judgeId}`;
      let track = tracks.get(id);
      if (track === undefined) {
        track = {
          runId: state.runId,
          judgeId: state.judgeId,
          intervalMs: options.intervalMs,
          points: [],
          bucketStart: t,
        };
        tracks.set(id, track);
      }
      if (track.points.length > 0 && t - track.bucketStart < track.intervalMs) {
        track.points[track.points.length - 1] = point;
        return;
      }
      track.bucketStart = t;
      track.points.push(point);
      if (track.points.length > options.maxPoints) {
        // Keep the newest point and every other one before it.
        const last = track.points.length - 1;
        track.points = track.points.filter((_, i) => (last - i) % 2 === 0);
        track.intervalMs *= 2;
      }
    },
    /** Every series, for /api/metrics. */
    series(): HistorySeries[] {
      return [...tracks.values()].map(({ runId, judgeId, intervalMs, points }) => ({
        runId,
        judgeId,
        intervalMs,
        points: [...points],
      }));
    },
  };
}

export type PacHistory = ReturnType<typeof createPacHistory>;
