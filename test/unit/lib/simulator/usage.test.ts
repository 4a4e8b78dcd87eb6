import { describe, expect, it } from 'vitest';
import { noFaults, simulatedReply } from '../../../../lib/simulator/model.ts';

const options = {
  profile: 'aligned' as const,
  seed: 1,
  latency: { kind: 'fixed' as const, ms: 0 },
  faults: noFaults,
};

describe('simulated token usage', () => {
  it('counts about 4 characters per token of the system prompt and user turn, and of the answer', () => {
    const reply = simulatedReply(
      options,
      { system: 's'.repeat(400), user: 'u'.repeat(101), simulation: { key: '1', side: 'for' } },
      () => 0.5,
    );
    expect(reply.inputTokens).toBe(Math.ceil(501 / 4));
    expect(reply.outputTokens).toBe(Math.ceil(reply.content.length / 4));
    expect(reply.outputTokens).toBeGreaterThan(0);
  });
});
