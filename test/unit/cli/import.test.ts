import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valbenchUnreachable } from '../../support/cli.ts';

describe('valbench import refuses bad input before touching a topic', () => {
  it('no --model and a path that does not exist, together', () => {
    const result = valbenchUnreachable(['import', '--responses', '/nonexistent/responses.parquet']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      '--model NAME (the model that produced the responses) is required',
    );
    expect(result.stderr).toContain(
      '--responses /nonexistent/responses.parquet: no such file or folder',
    );
    expect(result.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });

  it('a row without its questions stops the import naming the row, and a repeated id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valbench-import-'));
    const good = {
      id: 1,
      issue_description: 'i',
      for_question: 'f',
      against_question: 'a',
      for_response: { content: 'x', role: 'assistant' },
      against_response: { content: 'y', role: 'assistant' },
    };
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      [good, { ...good, id: 2, against_question: '' }].map((r) => JSON.stringify(r)).join('\n'),
    );
    const missing = valbenchUnreachable(['import', '--responses', bad, '--model', 'm']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`${bad} row 2 (id 2): against_question is missing or empty`);
    const twice = join(dir, 'twice.jsonl');
    writeFileSync(twice, [good, good].map((r) => JSON.stringify(r)).join('\n'));
    const repeated = valbenchUnreachable(['import', '--responses', twice, '--model', 'm']);
    expect(repeated.status).toBe(1);
    expect(repeated.stderr).toContain('pair id 1 appears twice');
    expect(missing.stderr + repeated.stderr).not.toMatch(/KafkaJS|ECONNREFUSED/);
  });
});
