import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** An OpenAI-compatible server for a benchmark: the valbench SIMULATOR as its own process, or one given. */
export interface BenchServer {
  /** Base URL for OpenAI SDKs (ends in /v1). */
  url: string;
  /** True when the bench started it (and stops it). */
  owned: boolean;
  close(): Promise<void>;
}

const cli = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

/**
 * The server the benchmark's model and judge calls go to. With `externalUrl` (an OpenAI-compatible
 * server that is not part of the project, such as vLLM or another simulator), that one; else
 * `valbench simulator` started as a separate process on a free port, so its CPU is not the
 * pipeline's (a model server runs elsewhere in real use).
 */
export async function benchServer(options: {
  externalUrl: string | null;
  latencyMs: number;
  jitterMs: number;
  profile?: string;
  /** Write a V8 CPU profile of the simulator process here when it stops. */
  cpuProfileDir?: string | null;
}): Promise<BenchServer> {
  if (options.externalUrl !== null)
    return { url: options.externalUrl, owned: false, close: () => Promise.resolve() };
  const child = spawn(
    process.execPath,
    [
      ...(options.cpuProfileDir == null
        ? []
        : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir]),
      cli,
      'simulator',
      '--port',
      '0',
      '--sim-profile',
      options.profile ?? 'mixed',
      '--sim-latency-ms',
      String(options.latencyMs),
      '--sim-latency-jitter-ms',
      String(options.jitterMs),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /on (http:\/\/\S+)/.exec(seen);
      if (found?.[1] !== undefined) resolve(`${found[1]}/v1`);
    });
    child.once('exit', (code) => {
      reject(new Error(`valbench simulator exited with ${String(code)}: ${seen}`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return {
    url,
    owned: true,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The flags pointing valbench processes at a bench server through the OpenAI SDK: the endpoints
 * a run names (all `produce` takes: it calls no model), and with the simulator hints when the
 * server is the bench's own simulator, for the processes that call it (respond, judge, run).
 */
export function serverFlags(server: BenchServer) {
  const modelEndpoint = [
    '--provider',
    'openai-compatible',
    '--base-url',
    server.url,
    '--endpoint',
    'bench',
  ];
  const judgeEndpoint = [
    '--judge-provider',
    'openai-compatible',
    '--judge-base-url',
    server.url,
    '--judge-endpoint',
    'bench-judge',
  ];
  return {
    modelEndpoint,
    judgeEndpoint,
    model: [...modelEndpoint, ...(server.owned ? ['--simulator-hints'] : [])],
    judge: [...judgeEndpoint, ...(server.owned ? ['--judge-simulator-hints'] : [])],
  };
}
