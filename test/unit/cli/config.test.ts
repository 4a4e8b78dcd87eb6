import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', '..', '..', 'cli', 'main.ts');

/** Runs the CLI with a broker address nothing listens on: a bad config must stop before it. */
function valbench(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: '127.0.0.1:9',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9',
      ...env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('bad configuration stops a command with exit 1, all problems named, before any topic', () => {
  it('respond: a missing key, a bad concurrency and an unknown flag together', () => {
    const result = valbench([
      'respond',
      '--provider',
      'openai',
      '--concurrency',
      '0',
      '--concurrenc',
      '4',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain('OPENAI_API_KEY is not set');
    expect(result.stderr).toContain('--concurrency=0: must be an integer >= 1');
    expect(result.stderr).toContain('unknown option --concurrenc');
    // Nothing tried to reach the broker.
    expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });

  it('judge: openai-compatible without a base URL', () => {
    const result = valbench(['judge', '--judge-provider', 'openai-compatible']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--judge-provider openai-compatible needs --judge-base-url');
  });

  it('produce: neither a file nor a hub dataset', () => {
    const result = valbench(['produce']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--input FILE');
  });

  it('run: a bad simulator rate and a non-URL base URL', () => {
    const result = valbench([
      'run',
      '--input',
      'x.jsonl',
      '--sim-429-rate',
      '2',
      '--provider',
      'openai-compatible',
      '--base-url',
      'not a url',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--sim-429-rate=2: must be a number >= 0 <= 1');
    expect(result.stderr).toContain('--base-url=not a url: not a URL');
  });

  it('an API key in the environment never appears in the error', () => {
    const result = valbench(['respond', '--provider', 'anthropic', '--concurrency', 'x'], {
      ANTHROPIC_API_KEY: 'sk-ant-supersecret-123456',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain('supersecret');
  });
});
