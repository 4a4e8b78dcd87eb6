import { describe, expect, it } from 'vitest';
import { valbenchUnreachable } from '../../support/cli.ts';

describe('valbench export refuses a bad configuration before reading Kafka', () => {
  it('--hub-repo without HF_TOKEN, a bad repo name, a bad format and no --run, together', () => {
    const result = valbenchUnreachable(['export', '--hub-repo', 'not a repo', '--format', 'csv']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain('--run ID is required');
    expect(result.stderr).toContain('HF_TOKEN is not set (needed by --hub-repo');
    expect(result.stderr).toContain('--hub-repo=not a repo: must be a dataset repository');
    expect(result.stderr).toContain('--format=csv: must be one of parquet, jsonl');
    expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });

  it('a token given with a bad flag never appears in the error', () => {
    const token = 'hf_neverprintedtoken42';
    const result = valbenchUnreachable(
      ['export', '--run', 'r', '--hub-repo', 'a/b', '--bogus', token],
      {
        HF_TOKEN: token,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown option --bogus');
    expect(result.stdout + result.stderr).not.toContain(token);
  });
});
