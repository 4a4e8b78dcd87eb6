/**
 * A local stack (Kafka broker and schema registry) that belongs to one chaos run: its own state
 * folder and free ports, so killing its broker harms nobody else's. It is driven through the
 * `valbench stack` command, as an operator would, so a restart exercises the product's own
 * `stack up` (restart what is down) rather than a test-only path.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../ports.ts';
import { cliPath } from './stage-process.ts';

export type StackPart = 'kafka' | 'registry';

export interface PrivateStack {
  readonly dir: string;
  readonly brokers: string;
  readonly registryUrl: string;
  /** kill -9 of one part, by the PID file in this stack's folder; resolves once it is gone. */
  kill(part: StackPart): Promise<void>;
  /** `valbench stack up` on this stack's folder and ports; resolves when both parts answer. */
  up(): Promise<void>;
  /** `valbench stack down`, then the folder (data included) is deleted. */
  destroy(): Promise<void>;
}

/** The command line of each part holds this word: a reused PID is never taken for ours. */
const markers: Record<StackPart, string> = { kafka: 'kafka.Kafka', registry: 'apicurio' };

function alive(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z, dead but not yet reaped by its new parent) no longer runs anything.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

function runStackCommand(env: NodeJS.ProcessEnv, command: 'up' | 'down'): Promise<void> {
  const child = spawn(process.execPath, [cliPath, 'stack', command], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`valbench stack ${command} exited ${code}:\n${output.join('')}`));
    });
  });
}

/** Starts a private stack on free ports in a new temporary folder. */
export async function startPrivateStack(): Promise<PrivateStack> {
  const dir = mkdtempSync(join(tmpdir(), 'valbench-chaos-stack-'));
  const [kafkaPort, controllerPort, registryPort] = await freePorts(3);
  if (kafkaPort === undefined || controllerPort === undefined || registryPort === undefined)
    throw new Error('no free ports');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VALBENCH_STACK_DIR: dir,
    VALBENCH_KAFKA_PORT: String(kafkaPort),
    VALBENCH_KAFKA_CONTROLLER_PORT: String(controllerPort),
    VALBENCH_REGISTRY_PORT: String(registryPort),
  };
  // The stack command would otherwise be told to use an existing cluster.
  delete env['KAFKA_BROKERS'];
  delete env['SCHEMA_REGISTRY_URL'];
  const up = (): Promise<void> => runStackCommand(env, 'up');
  await up();
  return {
    dir,
    brokers: `127.0.0.1:${kafkaPort}`,
    registryUrl: `http://127.0.0.1:${registryPort}/apis/ccompat/v7`,
    async kill(part) {
      const pidFile = join(dir, `${part}.pid`);
      if (!existsSync(pidFile)) throw new Error(`no ${pidFile}: the ${part} is not running`);
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
      if (!alive(pid, markers[part])) throw new Error(`the ${part} (pid ${pid}) is not running`);
      process.kill(pid, 'SIGKILL');
      while (alive(pid, markers[part])) await sleep(20);
    },
    up,
    async destroy() {
      await runStackCommand(env, 'down');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
