/** What a person is told about the broker: once when it becomes unreachable, once when back. */
export type ConnectivityEvent =
  | { kind: 'unreachable'; brokers: string; reason: string }
  | { kind: 'reconnected'; brokers: string; downMs: number };

/**
 * Turns kafkajs's reconnect chatter (one error line per request and retry) into two human
 * events: "unreachable" when the broker has been failing for `announceAfterMs` (brief blips,
 * such as a coordinator moving on a cold broker, stay silent), and "reconnected after N s".
 */
export interface Connectivity {
  /** A request to the broker failed. Cheap: called for every failure kafkajs logs. */
  failed(reason: string): void;
  /** A request to the broker succeeded. Cheap: called on every fetch. */
  succeeded(): void;
  readonly reachable: boolean;
}

export function createConnectivity(
  brokers: readonly string[],
  report: (event: ConnectivityEvent) => void,
  options: { announceAfterMs?: number; settleMs?: number; now?: () => number } = {},
): Connectivity {
  const now = options.now ?? Date.now;
  const announceAfterMs = options.announceAfterMs ?? 2_000;
  // A restarting broker accepts connections before it serves requests: the outage is over only
  // once requests have kept succeeding this long.
  const settleMs = options.settleMs ?? 3_000;
  const where = brokers.join(',');
  let failingSince: number | undefined;
  let lastFailure = 0;
  let lastReason = '';
  let announced = false;
  let announceTimer: NodeJS.Timeout | undefined;
  let settleTimer: NodeJS.Timeout | undefined;
  const end = (recoveredAt: number): void => {
    if (announced && failingSince !== undefined)
      report({ kind: 'reconnected', brokers: where, downMs: recoveredAt - failingSince });
    announced = false;
    failingSince = undefined;
  };
  return {
    get reachable() {
      return failingSince === undefined;
    },
    failed(reason) {
      lastReason = reason;
      lastFailure = now();
      if (settleTimer !== undefined) clearTimeout(settleTimer);
      settleTimer = undefined;
      if (failingSince !== undefined) return;
      failingSince = now();
      announceTimer = setTimeout(() => {
        announceTimer = undefined;
        if (failingSince === undefined) return;
        announced = true;
        report({ kind: 'unreachable', brokers: where, reason: lastReason });
      }, announceAfterMs);
      announceTimer.unref();
    },
    succeeded() {
      if (failingSince === undefined || settleTimer !== undefined) return;
      if (!announced) {
        // A blip that was never announced ends silently at the first success.
        if (announceTimer !== undefined) clearTimeout(announceTimer);
        announceTimer = undefined;
        failingSince = undefined;
        return;
      }
      const since = lastFailure;
      const recoveredAt = now();
      settleTimer = setTimeout(() => {
        settleTimer = undefined;
        if (lastFailure === since) end(recoveredAt);
      }, settleMs);
      settleTimer.unref();
    },
  };
}

/** The one-line human text of an event, for the terminal and for logs. */
export function describeConnectivity(event: ConnectivityEvent): string {
  return event.kind === 'unreachable'
    ? `Kafka broker ${event.brokers} unreachable (${event.reason}), retrying…`
    : `Kafka broker ${event.brokers} reconnected after ${(event.downMs / 1000).toFixed(1)} s`;
}
