import { describe, expect, it } from 'vitest';
import { classifyFailure, retryAfterMs } from '../../../../lib/llm/failure.ts';
import { redactSecrets } from '../../../../lib/secrets.ts';

const key = 'sk-live-abcdefghijklmnop';

function classify(status: number | undefined, headers?: Record<string, string>) {
  return classifyFailure(
    {
      provider: 'openai',
      status,
      headers: headers === undefined ? undefined : new Headers(headers),
      message: `failed with key ${key}`,
      cause: null,
    },
    [key],
  );
}

describe('classifyFailure: one total mapping of provider failures', () => {
  it.each([
    [429, 'retriable', 'RATE_LIMITED'],
    [408, 'retriable', 'SERVER_ERROR'],
    [409, 'retriable', 'SERVER_ERROR'],
    [500, 'retriable', 'SERVER_ERROR'],
    [503, 'retriable', 'SERVER_ERROR'],
    [401, 'fatal', 'UNAUTHORIZED'],
    [403, 'fatal', 'UNAUTHORIZED'],
    [404, 'fatal', 'NOT_FOUND'],
    [400, 'poison', 'BAD_REQUEST'],
    [422, 'poison', 'BAD_REQUEST'],
    [undefined, 'retriable', 'NETWORK'],
  ] as const)('status %s → %s %s', (status, kind, code) => {
    const error = classify(status);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
  });

  it('timeouts and aborts are retriable with their own codes', () => {
    const base = { provider: 'anthropic', message: 'x', cause: null };
    expect(classifyFailure({ ...base, timedOut: true }, []).code).toBe('TIMEOUT');
    expect(classifyFailure({ ...base, aborted: true }, []).code).toBe('ABORTED');
  });

  it('a 429 carries the wait the server asked for', () => {
    expect(classify(429, { 'retry-after-ms': '250' }).retryAfterMs).toBe(250);
    expect(classify(429, { 'retry-after': '2' }).retryAfterMs).toBe(2000);
    expect(classify(429).retryAfterMs).toBeUndefined();
  });

  it('never repeats the API key in its message', () => {
    const error = classify(400);
    expect(error.message).not.toContain(key);
    expect(error.message).toContain('[redacted]');
  });
});

describe('retryAfterMs', () => {
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    const headers = new Headers({ 'retry-after': 'Mon, 23 Nov 2026 10:00:03 GMT' });
    expect(retryAfterMs(headers, now)).toBe(3000);
  });
  it('ignores garbage', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  it('removes given secrets and key-shaped strings', () => {
    expect(
      redactSecrets('a sk-ant-api03-XYZXYZXYZ b hf_abcdefghij c secret123', ['secret123']),
    ).toBe('a [redacted] b [redacted] c [redacted]');
  });
});
