import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { readSimulator } from '../../lib/config/sections.ts';
import { startSimulatorServer } from '../../lib/simulator/server.ts';

export const simulatorUsage = `usage: valbench simulator [options]
  the valbench SIMULATOR as an HTTP server: OpenAI chat completions (/v1/chat/completions) and
  Responses (/v1/responses), Anthropic messages (/v1/messages); no real model behind it, and every
  answer says so. Point a provider's --base-url at it (http://127.0.0.1:8400/v1 for OpenAI SDKs,
  http://127.0.0.1:8400 for Anthropic) and pass --simulator-hints for per-pair behaviour.
  --port 8400 --host 127.0.0.1 --api-key KEY (require this key: 401 otherwise)
  --sim-profile aligned|unaligned|refusal|one-refusal|no-information|mixed --sim-seed 1
  --sim-latency-ms 0 --sim-latency-jitter-ms 0 --sim-429-rate 0 --sim-retry-after-ms 100
  --sim-5xx-rate 0 --sim-timeout-rate 0 --sim-timeout-hang-ms 30000 --sim-malformed-rate 0`;

/** `valbench simulator`: serves until SIGINT/SIGTERM. */
export async function simulatorCommand(args: readonly string[]): Promise<number> {
  const { settings: s, help } = readCommand(args, [], process.env);
  if (help) {
    console.log(simulatorUsage);
    return 0;
  }
  const options = readSimulator(s);
  const port = s.number('port', 8400, { min: 0, max: 65535, integer: true });
  const host = s.string('host', '127.0.0.1');
  const apiKey = s.optionalString('api-key');
  const hangMs = s.number('sim-timeout-hang-ms', 30_000, { min: 0 });
  finishSettings(s);
  const server = await startSimulatorServer(
    { ...options, hangMs, ...(apiKey === null ? {} : { apiKey }) },
    { port, host },
  );
  console.error(
    `valbench simulator (profile ${options.profile}, seed ${options.seed}) on ${server.url}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
