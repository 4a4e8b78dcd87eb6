/**
 * Adaptive concurrency (AIMD): a 429 halves the limit (at most once per cool-down, since one burst
 * of throttling answers a whole wave of calls), and each run of `limit` successes raises it by one
 * until the configured maximum. Rate limits slow the pool down; they never drop work.
 */
export interface AdaptiveLimit {
  readonly current: number;
  readonly max: number;
  onRateLimited(): void;
  onSuccess(): void;
}

export function createAdaptiveLimit(
  max: number,
  options: { adaptive?: boolean; coolDownMs?: number; now?: () => number } = {},
): AdaptiveLimit {
  const adaptive = options.adaptive ?? true;
  const coolDownMs = options.coolDownMs ?? 1_000;
  const now = options.now ?? Date.now;
  let current = max;
  let successes = 0;
  let lastDecrease = Number.NEGATIVE_INFINITY;
  return {
    get current() {
      return current;
    },
    max,
    onRateLimited() {
      if (!adaptive || now() - lastDecrease < coolDownMs) return;
      current = Math.max(1, Math.floor(current / 2));
      successes = 0;
      lastDecrease = now();
    },
    onSuccess() {
      if (!adaptive || current >= max) return;
      successes += 1;
      if (successes >= current) {
        current += 1;
        successes = 0;
      }
    },
  };
}
