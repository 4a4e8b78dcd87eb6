import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ValbenchError } from '../errors.ts';
import { defaultVersions, type StackVersions } from './artifacts.ts';

/** Where and how the local stack runs. Everything it writes is under `stateDir` and `cacheDir`. */
export interface StackOptions {
  /** The stack's own folder: broker data, registry database, logs and PID files. */
  stateDir: string;
  cacheDir: string;
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  versions: StackVersions;
  /** How long a part may take to answer, counted from the start of `stackUp`. */
  startTimeoutMs: number;
}

/** The addresses clients use to reach the stack. */
export interface StackEndpoints {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ValbenchError('fatal', 'CONFIG_INVALID', `${name}=${raw} is not a TCP port`);
  }
  return value;
}

/** Stack options from the environment (VALBENCH_STACK_DIR, VALBENCH_CACHE, *_PORT). */
export function stackOptionsFromEnv(env: NodeJS.ProcessEnv, projectRoot: string): StackOptions {
  const cacheRoot = env['VALBENCH_CACHE'] ?? join(homedir(), '.cache', 'valbench');
  return {
    // Absolute: the processes run in other folders, and H2 refuses relative database paths.
    stateDir: resolve(env['VALBENCH_STACK_DIR'] ?? join(projectRoot, '.stack')),
    cacheDir: join(cacheRoot, 'stack'),
    kafkaPort: port(env, 'VALBENCH_KAFKA_PORT', 9092),
    controllerPort: port(env, 'VALBENCH_KAFKA_CONTROLLER_PORT', 9093),
    registryPort: port(env, 'VALBENCH_REGISTRY_PORT', 8081),
    versions: defaultVersions,
    startTimeoutMs: 120_000,
  };
}

/** The broker and registry addresses of a stack with these options. */
export function stackEndpoints(options: StackOptions): StackEndpoints {
  return {
    kafkaBrokers: `127.0.0.1:${options.kafkaPort}`,
    schemaRegistryUrl: `http://127.0.0.1:${options.registryPort}/apis/ccompat/v7`,
  };
}
