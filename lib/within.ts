/**
 * Waits for the promise at most `ms` milliseconds: resolves with its value, or with undefined
 * when the time ran out (the promise goes on; its rejection is then ignored). The timer never
 * keeps the process alive, so a bounded wait never delays an exit.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined);
    }, ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
