import { describe, expect, it } from 'vitest';
import { hasBearer, isLoopback } from '../../../../services/api/auth.ts';

const withAuthorization = (value: string | undefined): string | undefined => value;

describe('the run API token', () => {
  it('is needed off loopback only', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.4', 'example.com'])
      expect(isLoopback(host)).toBe(false);
  });

  it('is accepted only as the exact bearer token', () => {
    const token = 'the-token-0123456789';
    expect(hasBearer(withAuthorization(`Bearer ${token}`), token)).toBe(true);
    expect(hasBearer(withAuthorization(undefined), token)).toBe(false);
    expect(hasBearer(withAuthorization(token), token)).toBe(false);
    expect(hasBearer(withAuthorization(`Bearer ${token}x`), token)).toBe(false);
    expect(hasBearer(withAuthorization('Bearer '), token)).toBe(false);
    expect(hasBearer(withAuthorization(`Basic ${token}`), token)).toBe(false);
  });
});
