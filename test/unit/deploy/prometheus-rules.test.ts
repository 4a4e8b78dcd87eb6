/**
 * The alert rules with Prometheus's own tool: `promtool check rules` (syntax, PromQL, templates)
 * and `promtool test rules` (the unit tests of series in valbench.rules.test.yml), and the
 * host configuration loading them. promtool comes with Debian's `prometheus` package
 * (scripts/ensure-debian-tools.sh installs it): without it these tests fail, never skip.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', '..', '..', 'deploy', 'prometheus');

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined)
    throw new Error(
      `promtool could not run (${result.error.message}): install Debian's prometheus package (scripts/ensure-debian-tools.sh)`,
    );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('alert rules (promtool)', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', 'rules/valbench.rules.yml');
    expect(output).toContain('SUCCESS: 5 rules found');
    expect(status).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const { status, output } = promtool('test', 'rules', 'rules/valbench.rules.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('fail their unit tests when a rule changes (the tests can fail)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'valbench-rules-'));
    cpSync(join(dir, 'rules'), copy, { recursive: true });
    const rules = join(copy, 'valbench.rules.yml');
    writeFileSync(
      rules,
      readFileSync(rules, 'utf8').replace(
        'valbench_pac_percent{window="cumulative"} < 70',
        'valbench_pac_percent{window="cumulative"} < 50',
      ),
    );
    const { status, output } = promtool('test', 'rules', join(copy, 'valbench.rules.test.yml'));
    expect(output).toContain('ValbenchPacBelowThreshold');
    expect(status).not.toBe(0);
  });

  it('are loaded by the host configuration (promtool check config)', () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    expect(output).toContain('SUCCESS: 5 rules found');
    expect(status).toBe(0);
  });
});
