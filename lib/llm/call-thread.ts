/**
 * A model call thread (a worker started by call-threads.ts): it runs the SDK adapters' calls it
 * is sent and posts back each result, or the ValbenchError the adapter classified, field by
 * field (its `cause`, the SDK's error, stays here).
 */
import { parentPort } from 'node:worker_threads';
import { isValbenchError } from '../errors.ts';
import type { ChatModel } from './chat-model.ts';
import type { CallSettings, FromCallThread, ToCallThread } from './call-thread-messages.ts';
import { importSdk, loadSdkModel } from './sdk-model.ts';

const port = parentPort;
if (port === null) throw new Error('call-thread.ts runs as a worker thread only');

const models = new Map<string, Promise<ChatModel>>();
const running = new Map<number, AbortController>();

/** The adapter of a model on an endpoint, its SDK imported at the first ask. */
function modelFor(message: { settings: CallSettings; model: string }): Promise<ChatModel> {
  const key = JSON.stringify([message.settings, message.model]);
  let model = models.get(key);
  if (model === undefined) {
    model = loadSdkModel(message.settings, message.model);
    models.set(key, model);
  }
  return model;
}

async function run(message: ToCallThread & { kind: 'call' }): Promise<FromCallThread> {
  const controller = new AbortController();
  running.set(message.id, controller);
  try {
    const result = await (await modelFor(message)).complete(message.request, controller.signal);
    return { id: message.id, result };
  } catch (error) {
    if (isValbenchError(error))
      return {
        id: message.id,
        error: {
          kind: error.kind,
          code: error.code,
          message: error.message,
          retryAfterMs: error.retryAfterMs,
          status: error.status,
        },
      };
    return {
      id: message.id,
      error: {
        kind: 'retriable',
        code: 'CALL_THREAD_ERROR',
        message: `the model call failed in its thread: ${error instanceof Error ? error.message : String(error)}`,
        retryAfterMs: undefined,
        status: undefined,
      },
    };
  } finally {
    running.delete(message.id);
  }
}

port.on('message', (message: ToCallThread) => {
  if (message.kind === 'abort') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.kind === 'load') {
    const { settings, model } = message;
    // An import that fails here fails again, with its error, at the first call.
    (model === null ? importSdk(settings.provider) : modelFor({ settings, model })).catch(() => {
      models.clear();
    });
    return;
  }
  void run(message).then((reply) => {
    port.postMessage(reply);
  });
});
