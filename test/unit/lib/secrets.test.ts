import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ValbenchError } from '../../../lib/errors.ts';
import { registerSecret, safeError } from '../../../lib/secrets.ts';

describe('safeError', () => {
  it('removes registered secrets and key-shaped strings from the error and its causes', () => {
    registerSecret('corp-proxy-token-123');
    const sdk = new Error(
      '401 from https://api: Incorrect API key sk-proj-abcdefghijkl (corp-proxy-token-123)',
    );
    const ours = new ValbenchError('fatal', 'UNAUTHORIZED', 'openai 401', { cause: sdk });
    const text = JSON.stringify(safeError(ours));
    expect(text).toContain('UNAUTHORIZED');
    expect(text).toContain('Incorrect API key');
    expect(text).not.toContain('sk-proj-abcdefghijkl');
    expect(text).not.toContain('corp-proxy-token-123');
  });

  it('is what the logger uses for err: a logged error line carries no key', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ serializers: { err: safeError } }, sink);
    const cause = new Error('bad key sk-ant-api03-ZZZZZZZZZZZZ');
    logger.error({ err: new Error('call failed', { cause }) }, 'stage failed');
    expect(lines.join('')).toContain('call failed');
    expect(lines.join('')).not.toContain('sk-ant-api03-ZZZZZZZZZZZZ');
  });
});
