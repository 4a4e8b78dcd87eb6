import { pino, type Logger as PinoLogger } from 'pino';
import { safeError } from './secrets.ts';

/** The logger every module takes: pino, JSON to stdout. Prompt and response text only at debug. */
export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Creates the process logger. Keys named like secrets are redacted wherever they appear, and
 * errors (under `err`, `error` or `cause`) are logged through safeError: no SDK error text, nor
 * its cause, reaches a line with a key in it.
 */
export function createLogger(options: {
  level: LogLevel;
  name: string;
  /** A file to append the JSON lines to instead of stdout (created with its folder). */
  file?: string;
}): Logger {
  const destination =
    options.file === undefined
      ? pino.destination(1)
      : pino.destination({ dest: options.file, mkdir: true, sync: true });
  return pino(
    {
      name: options.name,
      level: options.level,
      serializers: { err: safeError, error: safeError, cause: safeError },
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
