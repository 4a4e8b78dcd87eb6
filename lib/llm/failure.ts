import { ValbenchError, headersOf, isValbenchError, statusOf } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';

/** What an adapter knows about a failed provider call, whichever SDK made it. */
export interface CallFailure {
  provider: string;
  /** HTTP status, absent when no response arrived. */
  status?: number | undefined;
  headers?: Headers | undefined;
  /** The SDK said the client-side timeout fired. */
  timedOut?: boolean;
  /** The caller's AbortSignal fired: the stage is shutting down. */
  aborted?: boolean;
  message: string;
  cause: unknown;
}

/** Milliseconds the server asked to wait: `retry-after-ms`, else `retry-after` (seconds or date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const ms = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The one total classification of provider failures (both SDKs map into it):
 * 429 → retriable with retry-after; 408, 409, 5xx, timeouts and network errors → retriable;
 * 401/403 → fatal (a bad key fails every call: stop rather than dead-letter the whole run);
 * 404 → fatal (unknown model or wrong base URL, likewise for every call); other 4xx → poison
 * (this request cannot succeed); an aborted call → retriable ABORTED (the stage is stopping and
 * will not commit it). Messages never carry the key.
 */
export function classifyFailure(failure: CallFailure, secrets: readonly string[]): ValbenchError {
  const { provider, status } = failure;
  const detail = redactSecrets(failure.message, secrets);
  const where = `${provider}${status === undefined ? '' : ` ${status}`}`;
  const options = { cause: failure.cause, ...(status === undefined ? {} : { status }) };
  if (failure.aborted === true)
    return new ValbenchError('retriable', 'ABORTED', `${provider}: call aborted`, options);
  if (failure.timedOut === true)
    return new ValbenchError('retriable', 'TIMEOUT', `${provider}: request timed out`, options);
  if (status === undefined)
    return new ValbenchError('retriable', 'NETWORK', `${provider}: ${detail}`, options);
  if (status === 429) {
    const after = retryAfterMs(failure.headers);
    return new ValbenchError('retriable', 'RATE_LIMITED', `${where}: ${detail}`, {
      ...options,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    });
  }
  if (status === 408 || status === 409 || status >= 500)
    return new ValbenchError('retriable', 'SERVER_ERROR', `${where}: ${detail}`, options);
  if (status === 401 || status === 403)
    return new ValbenchError('fatal', 'UNAUTHORIZED', `${where}: ${detail}`, options);
  if (status === 404)
    return new ValbenchError('fatal', 'NOT_FOUND', `${where}: ${detail}`, options);
  return new ValbenchError('poison', 'BAD_REQUEST', `${where}: ${detail}`, options);
}

/** The error classes an SDK throws (both SDKs have the same three). */
export interface SdkErrorClasses {
  abort: abstract new (...args: never[]) => Error;
  timeout: abstract new (...args: never[]) => Error;
  api: abstract new (...args: never[]) => Error;
}

/**
 * Maps whatever an SDK call threw to our error model. Errors that are not the SDK's (programming
 * errors) are thrown on unchanged: the stage treats them as fatal, never as a dead letter.
 */
export function sdkFailure(
  error: unknown,
  signal: AbortSignal,
  context: { provider: string; apiKey: string; classes: SdkErrorClasses },
): ValbenchError {
  if (isValbenchError(error)) return error;
  const { classes } = context;
  const secrets = [context.apiKey];
  const common = { provider: context.provider, cause: error, message: String(error) };
  if (error instanceof classes.abort || signal.aborted)
    return classifyFailure({ ...common, aborted: true }, secrets);
  if (error instanceof classes.timeout)
    return classifyFailure({ ...common, timedOut: true }, secrets);
  if (error instanceof classes.api) {
    return classifyFailure(
      { ...common, status: statusOf(error), headers: headersOf(error), message: error.message },
      secrets,
    );
  }
  throw error;
}
