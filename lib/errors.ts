/**
 * The project's error model. Every error a stage acts on is a ValbenchError with a stable `code`
 * and one of three kinds:
 * - `retriable`: may succeed later (network, timeouts, 408/409/429/5xx): retry with backoff.
 * - `poison`: this record can never succeed (bad bytes, schema mismatch, output still invalid
 *   after N tries): dead-letter it with the reason, commit, go on.
 * - `fatal`: misconfiguration, 401/403, an incompatible schema: stop the process with exit 1.
 */
export type ErrorKind = 'retriable' | 'poison' | 'fatal';

export interface ValbenchErrorOptions {
  cause?: unknown;
  /** Milliseconds the server asked us to wait before retrying (retry-after). */
  retryAfterMs?: number;
  /** HTTP status of the failed call, when there was one. */
  status?: number;
}

export class ValbenchError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: ValbenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ValbenchError';
    this.kind = kind;
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** A configuration problem: reported before anything touches a topic, exit 1. */
export class ConfigError extends ValbenchError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('fatal', 'CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A record whose bytes cannot be decoded: poison, goes to the dead-letter topic. */
export class UndecodableError extends ValbenchError {
  constructor(code: string, message: string, cause?: unknown) {
    super('poison', code, message, cause === undefined ? {} : { cause });
    this.name = 'UndecodableError';
  }
}

export function isValbenchError(error: unknown): error is ValbenchError {
  return error instanceof ValbenchError;
}

/** The message of any thrown value, for logs and dead letters. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The HTTP status a foreign error carries (SDK and registry clients type it loosely), if any. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = error.status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** The response headers a foreign error carries, if any. */
export function headersOf(error: unknown): Headers | undefined {
  if (typeof error === 'object' && error !== null && 'headers' in error) {
    const headers = error.headers;
    return headers instanceof Headers ? headers : undefined;
  }
  return undefined;
}
