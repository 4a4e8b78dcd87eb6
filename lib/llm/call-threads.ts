import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ValbenchError } from '../errors.ts';
import type { ChatRequest, ChatResult } from './chat-model.ts';
import type { FromCallThread, ThreadError, ToCallThread } from './call-thread-messages.ts';
import type { ProviderSettings } from './provider.ts';
import type { SdkProviderKind } from './sdk-model.ts';

interface Pending {
  resolve: (result: ChatResult) => void;
  reject: (error: ValbenchError) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Model calls made by worker threads, so the SDKs' CPU runs beside the Kafka work, not in it. */
export interface CallThreads {
  call(
    settings: ProviderSettings & { provider: SdkProviderKind },
    model: string,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<ChatResult>;
  /**
   * Starts the threads and has each import the SDK now (and make the model's client, given a
   * model), so the first calls do not wait for thread start and import (a few hundred ms).
   */
  prepare(settings: ProviderSettings & { provider: SdkProviderKind }, model: string | null): void;
  /** Stops every thread: their calls fail as retriable; a later call starts new ones. */
  terminate(): Promise<void>;
}

function fromThread(error: ThreadError): ValbenchError {
  return new ValbenchError(error.kind, error.code, error.message, {
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}

/**
 * `size` threads (started at the first call), each call sent to the one with the fewest in
 * flight. A thread holds the process open only while it has calls. A thread that dies fails its
 * calls as retriable (no answer was received: the retry policy calls again) and is replaced at
 * the next call.
 */
export function createCallThreads(size: number): CallThreads {
  const threads: Thread[] = [];
  let nextId = 0;

  function start(): Thread {
    // The thread holds the calls in flight and the SDK; a bound on its old generation keeps its
    // garbage from adding tens of MiB to the process (the process's own flags would allow 1 GiB).
    const worker = new Worker(new URL('./call-thread.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    const thread: Thread = { worker, pending: new Map() };
    worker.unref();
    const fail = (reason: string): void => {
      const index = threads.indexOf(thread);
      if (index >= 0) threads.splice(index, 1);
      for (const { reject } of thread.pending.values())
        reject(
          new ValbenchError('retriable', 'CALL_THREAD_EXITED', `the model call thread ${reason}`),
        );
      thread.pending.clear();
    };
    worker.on('message', (reply: FromCallThread) => {
      const pending = thread.pending.get(reply.id);
      if (pending === undefined) return;
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) worker.unref();
      if ('result' in reply) pending.resolve(reply.result);
      else pending.reject(fromThread(reply.error));
    });
    worker.on('error', (error: unknown) => {
      fail(`failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    worker.on('exit', (code) => {
      fail(`exited with code ${code}`);
    });
    threads.push(thread);
    return thread;
  }

  function pick(): Thread {
    if (threads.length < size) return start();
    let best: Thread | undefined;
    for (const thread of threads)
      if (best === undefined || thread.pending.size < best.pending.size) best = thread;
    return best ?? start();
  }

  return {
    prepare(settings, model) {
      while (threads.length < size) start();
      const load: ToCallThread = { kind: 'load', settings, model };
      for (const thread of threads) thread.worker.postMessage(load);
    },
    async terminate() {
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
    },
    call(settings, model, request, signal) {
      return new Promise<ChatResult>((resolve, reject) => {
        const thread = pick();
        const id = nextId++;
        const post = (message: ToCallThread): void => {
          thread.worker.postMessage(message);
        };
        const onAbort = (): void => {
          post({ kind: 'abort', id });
        };
        thread.pending.set(id, {
          resolve(result) {
            signal.removeEventListener('abort', onAbort);
            resolve(result);
          },
          reject(error) {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        });
        if (thread.pending.size === 1) thread.worker.ref();
        post({ kind: 'call', id, settings, model, request });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/**
 * The default number of call threads: one on a machine of two cores or more (the SDKs' CPU, about
 * a third of a stage's at a few hundred calls a second, runs beside the Kafka work), none on one
 * core (a thread there only adds the cost of passing messages).
 */
export function defaultCallThreads(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

const shared = new Map<number, CallThreads>();

/** The process's call threads of this number, shared by all its models. */
export function sharedCallThreads(size: number): CallThreads {
  let threads = shared.get(size);
  if (threads === undefined) {
    threads = createCallThreads(size);
    shared.set(size, threads);
  }
  return threads;
}
