import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valbenchUnreachable } from '../../support/cli.ts';

const input = join(import.meta.dirname, '..', '..', 'fixtures', 'pairs-40.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'valbench-prices-'));

describe('valbench run: price file and budget refused before any topic', () => {
  it('a bad price file is refused with exit 1, naming the entry and the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        models: { 'gpt-4o': { input: 2.5, output: 'ten', source: 's', asOf: '2025-08-01' } },
      }),
    );
    const out = valbenchUnreachable(['run', '--input', input, '--prices', bad]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`price file ${bad} is invalid`);
    expect(out.stderr).toContain('models.gpt-4o.output');
    // Refused before the broker (nothing listens there) was tried.
    expect(out.stderr).not.toMatch(/unreachable|ECONNREFUSED/);
  });

  it('--max-cost for a model with no price is refused with exit 1, naming the model', () => {
    const out = valbenchUnreachable([
      'run',
      '--input',
      input,
      '--model',
      'gpt-4o-mini',
      '--judge-model',
      'my-own-judge',
      '--max-cost',
      '5',
    ]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('--max-cost needs a price for model my-own-judge');
    expect(out.stderr).not.toContain('model gpt-4o-mini');
  });

  it('a negative --max-cost is refused', () => {
    const out = valbenchUnreachable(['run', '--input', input, '--max-cost', '-1']);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('--max-cost=-1: must be a number >= 0');
  });
});
