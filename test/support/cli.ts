import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

/** A `valbench` command running as its own process, its output collected line by line. */
export interface CliProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  text(): string;
}

/** Starts `valbench <args>` with Node and only the given environment (plus PATH). */
export function spawnValbench(args: readonly string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer): void => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      if (buffered !== '') lines.push(buffered);
      resolve(code);
    });
  });
  return { child, lines, exit, text: () => lines.join('\n') };
}

/**
 * Runs `valbench <args>` to its end with a broker and registry address nothing listens on (plus
 * the given environment): a command refused for its configuration must stop before either.
 */
export function valbenchUnreachable(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: '127.0.0.1:9',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9',
      ...env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}
