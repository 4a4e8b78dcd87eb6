/**
 * The first Ctrl-C or SIGTERM aborts the returned signal (the command stops intake, drains and
 * reports), saying `first` on stderr; a second one exits at once with 130. `release` removes the
 * handlers: call it when the command ends.
 */
export function interruptOnSignal(first: (signal: NodeJS.Signals) => string): {
  signal: AbortSignal;
  release: () => void;
} {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) {
      console.error(`\n${signal} again: exiting now without draining`);
      process.exit(130);
    }
    interrupt.abort();
    console.error(`\n${first(signal)}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: interrupt.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
