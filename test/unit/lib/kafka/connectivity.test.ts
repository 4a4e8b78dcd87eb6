import { describe, expect, it, vi } from 'vitest';
import {
  createConnectivity,
  describeConnectivity,
  type ConnectivityEvent,
} from '../../../../lib/kafka/connectivity.ts';

describe('connectivity', () => {
  it('announces an outage once, after it lasted, and the reconnection once', () => {
    vi.useFakeTimers();
    try {
      const events: ConnectivityEvent[] = [];
      let clock = 0;
      const c = createConnectivity(['b:9092'], (e) => events.push(e), {
        announceAfterMs: 2_000,
        now: () => clock,
      });
      for (let i = 0; i < 500; i += 1) c.failed('Connection refused');
      expect(events).toEqual([]);
      clock = 2_000;
      vi.advanceTimersByTime(2_000);
      for (let i = 0; i < 500; i += 1) c.failed('Connection refused');
      expect(events).toEqual([
        { kind: 'unreachable', brokers: 'b:9092', reason: 'Connection refused' },
      ]);
      // The broker accepts a connection, then fails again: still the same outage.
      clock = 9_000;
      c.succeeded();
      vi.advanceTimersByTime(1_000);
      c.failed('Restarting the consumer');
      vi.advanceTimersByTime(3_000);
      expect(events).toHaveLength(1);
      clock = 12_000;
      c.succeeded();
      c.succeeded();
      clock = 15_000;
      vi.advanceTimersByTime(3_000);
      expect(events[1]).toEqual({ kind: 'reconnected', brokers: 'b:9092', downMs: 12_000 });
      expect(events).toHaveLength(2);
      const reconnected = events[1];
      expect(reconnected && describeConnectivity(reconnected)).toBe(
        'Kafka broker b:9092 reconnected after 12.0 s',
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('a blip shorter than the announce delay stays silent', () => {
    vi.useFakeTimers();
    try {
      const events: ConnectivityEvent[] = [];
      const c = createConnectivity(['b:9092'], (e) => events.push(e));
      c.failed('coordinator not available');
      c.succeeded();
      vi.advanceTimersByTime(10_000);
      expect(events).toEqual([]);
      expect(c.reachable).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
