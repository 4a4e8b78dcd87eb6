import { isValbenchError, messageOf } from './errors.ts';
import type { Logger } from './log.ts';
import { redactSecrets } from './secrets.ts';

/** Something that runs until stopped: a stage, a consumer, a server. */
export interface Service {
  /** Resolves when the service ends by itself (cleanly), rejects on a fatal error. */
  done: Promise<void>;
  /** Stops intake and drains in-flight work within the grace period. */
  stop(graceMs: number): Promise<void>;
}

export interface LifecycleOptions {
  logger: Logger;
  /** How long in-flight work may take to finish after a stop signal. */
  graceMs: number;
  /** Closed in reverse order after the services stop, each guarded. */
  closers?: [name: string, close: () => Promise<void>][];
  signals?: NodeJS.Signals[];
}

/**
 * Runs services until a signal (SIGINT, SIGTERM) or a fatal error: stops intake, drains within
 * the grace period, closes clients in reverse order (a failing close is logged, the rest still
 * run) and returns the exit code: 0 only after a clean drain, 1 after a fatal error. A second
 * signal during the drain exits at once with 130.
 */
export async function runUntilStopped(
  services: readonly Service[],
  options: LifecycleOptions,
): Promise<number> {
  const { logger } = options;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let stopping = false;
  let wake: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    wake = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    wake(`signal ${signal}`);
  };
  for (const signal of signals) process.on(signal, onSignal);

  let exitCode = 0;
  try {
    const ended = await Promise.race([
      stopRequested,
      ...services.map((s) =>
        s.done.then(
          () => 'a service finished',
          (error: unknown) => {
            exitCode = 1;
            const code = isValbenchError(error) ? error.code : 'UNEXPECTED';
            logger.error({ code, err: error }, `fatal: ${redactSecrets(messageOf(error))}`);
            return 'a fatal error';
          },
        ),
      ),
    ]);
    stopping = true;
    logger.info({ reason: ended, graceMs: options.graceMs }, 'stopping: draining in-flight work');
    const results = await Promise.allSettled(services.map((s) => s.stop(options.graceMs)));
    for (const result of results) {
      if (result.status === 'rejected') {
        exitCode = 1;
        logger.error({ err: result.reason }, 'a service did not stop cleanly');
      }
    }
  } finally {
    for (const [name, close] of [...(options.closers ?? [])].reverse()) {
      try {
        await close();
      } catch (error) {
        exitCode = 1;
        logger.error({ err: error, client: name }, `closing ${name} failed`);
      }
    }
    for (const signal of signals) process.off(signal, onSignal);
  }
  logger.info({ exitCode }, 'stopped');
  return exitCode;
}
