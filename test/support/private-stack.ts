import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackOptionsFromEnv, type StackOptions } from '../../lib/stack/options.ts';
import type { PartName } from '../../lib/stack/part.ts';
import { stackPid, stackReset, stackUp } from '../../lib/stack/stack.ts';
import { waitFor } from './kafka.ts';
import { freePorts } from './ports.ts';

const root = join(import.meta.dirname, '..', '..');

/**
 * A local stack of a test's own (temp folder, free ports), for tests that kill and restart the
 * broker or the registry: never the shared test stack.
 */
export interface PrivateStack {
  options: StackOptions;
  brokers: string;
  registryUrl: string;
  /** The environment that points `valbench` commands at this stack. */
  env: Record<string, string>;
  /** SIGKILLs a part and waits until it is gone. */
  kill(part: PartName): Promise<void>;
  /** Deletes everything (stack reset) and the folder. */
  remove(): Promise<void>;
}

export async function startPrivateStack(prefix: string): Promise<PrivateStack> {
  const [kafkaPort, controllerPort, registryPort] = await freePorts(3);
  if (kafkaPort === undefined || controllerPort === undefined || registryPort === undefined)
    throw new Error('no free ports');
  const options: StackOptions = {
    ...stackOptionsFromEnv(process.env, root),
    stateDir: mkdtempSync(join(tmpdir(), `valbench-${prefix}-`)),
    kafkaPort,
    controllerPort,
    registryPort,
  };
  try {
    await stackUp(options);
  } catch (error) {
    // A part that did start is not left running after the test (stackUp never stops one).
    await stackReset(options);
    rmSync(options.stateDir, { recursive: true, force: true });
    throw error;
  }
  const brokers = `127.0.0.1:${kafkaPort}`;
  const registryUrl = `http://127.0.0.1:${registryPort}/apis/ccompat/v7`;
  return {
    options,
    brokers,
    registryUrl,
    env: {
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: registryUrl,
      VALBENCH_STACK_DIR: options.stateDir,
      VALBENCH_KAFKA_PORT: String(kafkaPort),
      VALBENCH_KAFKA_CONTROLLER_PORT: String(controllerPort),
      VALBENCH_REGISTRY_PORT: String(registryPort),
    },
    async kill(part) {
      const pid = stackPid(options, part);
      if (pid === undefined) throw new Error(`${part} is not running`);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => stackPid(options, part) === undefined, `${part} gone after SIGKILL`);
    },
    async remove() {
      await stackReset(options);
      rmSync(options.stateDir, { recursive: true, force: true });
    },
  };
}
