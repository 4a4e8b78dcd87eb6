/**
 * A promise with its settle functions, for a service's `done`: resolved when it ends cleanly,
 * rejected on a fatal error. Its rejection is marked handled, so a fatal error nobody awaits
 * yet does not crash the process as an unhandled rejection before the lifecycle reads it.
 */
export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createDeferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
