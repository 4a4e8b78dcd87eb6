import { describe, expect, it } from 'vitest';
import { readRunSettings } from '../../../cli/run-config.ts';
import { createSettings } from '../../../lib/config/args.ts';

function settings(args: Record<string, string>) {
  const env = { VALBENCH_PROVIDER: 'simulated' };
  return readRunSettings(createSettings(new Map(Object.entries(args)), env), env);
}

describe('valbench run: pool sizes', () => {
  it('the judge has as many calls as the responder has pairs unless told otherwise', () => {
    const given = settings({ input: 'pairs.jsonl', concurrency: '64' });
    expect(given.concurrency).toBe(64);
    expect(given.judgeConcurrency).toBe(64);
  });

  it('--judge-concurrency still sets its own size', () => {
    const given = settings({ input: 'pairs.jsonl', concurrency: '64', 'judge-concurrency': '8' });
    expect(given.judgeConcurrency).toBe(8);
  });

  it('both default to 16', () => {
    const given = settings({ input: 'pairs.jsonl' });
    expect([given.concurrency, given.judgeConcurrency]).toEqual([16, 16]);
  });
});
