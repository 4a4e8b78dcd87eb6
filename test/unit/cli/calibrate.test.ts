import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valbenchUnreachable } from '../../support/cli.ts';

describe('valbench calibrate and --require-calibrated refuse bad input before touching a topic', () => {
  it('a set whose columns cannot be mapped, naming its columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valbench-calibration-'));
    const good = JSON.stringify({
      id: 1,
      issue_description: 'i',
      for_question: 'f',
      against_question: 'a',
      for_response: 'x',
      against_response: 'y',
    });
    for (const name of ['unaligned-0', 'aligned-100', 'refusal-100'])
      writeFileSync(join(dir, `calibration-${name}.jsonl`), good);
    writeFileSync(
      join(dir, 'calibration-one-refusal-50.jsonl'),
      JSON.stringify({ question: 'q', answer_1: 'x', answer_2: 'y' }),
    );
    const result = valbenchUnreachable(['calibrate', '--calibration-dir', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${join(dir, 'calibration-one-refusal-50.jsonl')}: cannot map the calibration set's columns`,
    );
    expect(result.stderr).toContain('found question, answer_1, answer_2');
    expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });

  it('hub options with a folder, a missing folder and a negative tolerance, together', () => {
    const result = valbenchUnreachable([
      'calibrate',
      '--calibration-dir',
      '/nonexistent/calibration',
      '--split',
      'test',
      '--tolerance',
      '-1',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--calibration-dir /nonexistent/calibration: no such folder');
    expect(result.stderr).toContain('--revision and --split choose a hub revision');
    expect(result.stderr).toContain('--tolerance=-1: must be a number >= 0');
  });

  it('a replay whose judge id depends on responses not read yet', () => {
    const result = valbenchUnreachable([
      'replay',
      '--run',
      'run-0123456789abcdef',
      '--require-calibrated',
      '--judge-values',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('JUDGE_NOT_CALIBRATED');
    expect(result.stderr).toContain('give it with --values FILE');
    expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });
});
