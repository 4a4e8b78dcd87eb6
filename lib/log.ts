import { pino, type Logger as PinoLogger } from 'pino';

/** The logger every module takes: pino, JSON to stdout. Prompt and response text only at debug. */
export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Creates the process logger. Keys named like secrets are redacted wherever they appear. */
export function createLogger(options: { level: LogLevel; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: {
      paths: ['apiKey', '*.apiKey', 'password', '*.password', 'token', '*.token', 'authorization'],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
