import { describe, expect, it } from 'vitest';
import { interruptedMessage } from '../../../../lib/stack/interrupt.ts';

describe('interruptedMessage', () => {
  it('names every part left running with its pid and how to stop them', () => {
    expect(
      interruptedMessage('SIGINT', [
        { part: 'kafka', pid: 11 },
        { part: 'registry', pid: 12 },
      ]),
    ).toBe(
      'interrupted (SIGINT) while starting the local stack; left running as detached processes: kafka (pid 11), registry (pid 12). Stop them with: valbench stack down',
    );
  });

  it('says so when nothing was left running', () => {
    expect(interruptedMessage('SIGTERM', [])).toBe(
      'interrupted (SIGTERM) while starting the local stack; no part of it is running',
    );
  });
});
