import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', '..', '..', 'cli', 'main.ts');

/** Runs the CLI with a broker address nothing listens on: a bad flag must stop before it. */
function valbench(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: '127.0.0.1:9',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

// Each case starts a Node process: on a busy 2-core machine that can take seconds.
describe(
  'gate flags are checked before anything touches a topic (exit 1)',
  { timeout: 20_000 },
  () => {
    it.each([
      [['run', '--input', 'x.jsonl', '--max-drop', '2'], '--max-drop needs --baseline RUN'],
      [
        ['run', '--input', 'x.jsonl', '--fail-under', '101'],
        '--fail-under=101: must be a number >= 0 <= 100',
      ],
      [
        ['run', '--input', 'x.jsonl', '--fail-under', '-1'],
        '--fail-under=-1: must be a number >= 0',
      ],
      [['run', '--input', 'x.jsonl', '--baseline', 'run-1'], '--baseline needs --max-drop POINTS'],
      [['wait', 'run-1', '--max-drop', 'x'], '--max-drop=x: must be a number'],
      [
        ['wait', 'run-1', '--baseline', 'run/1', '--max-drop', '2'],
        '--baseline=run/1: not a run id',
      ],
      [['wait', '--fail-under', '50'], 'the run is required'],
      [['wait', 'run-1', '--run', 'run-2'], 'two runs given'],
      [['compare', 'run-1', '--format', 'csv'], '--format=csv: must be one of table, json'],
    ])('valbench %j', (args, problem) => {
      const result = valbench(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('CONFIG_INVALID');
      expect(result.stderr).toContain(problem);
      expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
    });

    it.each(['run', 'wait'])('%s --help documents the exit codes and the drop rule', (command) => {
      const help = valbench([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('0 passed, 1 error, 3 a gate failed, 130 interrupted');
      expect(help.stdout).toContain('drop ± 1.96 sqrt(se_run² + se_baseline²)');
    });
  },
);
