/**
 * What `docker-compose.yml` is checked against (tools/compose-check): the local stack's ports
 * and addresses (lib/stack/options.ts, with no VALBENCH_* port set) and each stage command as
 * its `--help` documents it: the flags it takes and the port (and listen address) it serves
 * /metrics on by default. Run directly, it prints them as JSON.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stackEndpoints, stackOptionsFromEnv } from '../lib/stack/options.ts';

/** One stage command, from its --help. */
export interface StageExpectation {
  flags: string[];
  /** The flag of its HTTP port (`metrics-port`, `api-port`), '' when it serves none. */
  portFlag: string;
  port: number;
  hostFlag: string;
  host: string;
}

/** The local stack and the stage commands, as compose-check reads them (`--expect`). */
export interface ComposeExpectations {
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  stages: Record<string, StageExpectation>;
}

/** The valbench commands a compose service may run. */
export const stageCommands = ['produce', 'respond', 'judge', 'aggregate', 'serve'] as const;

/** Reads a stage command's --help text into its flags, port and listen address. */
export function stageFromHelp(help: string): StageExpectation {
  const flags = [...new Set([...help.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1] ?? ''))];
  const port = /--((?:metrics|api)-port) (\d+)/.exec(help);
  const portFlag = port?.[1] ?? '';
  const hostFlag = portFlag.replace(/-port$/, '-host');
  // readListen's default address when the help does not name one (lib/config/command.ts).
  const host =
    portFlag === '' ? '' : (new RegExp(`--${hostFlag} (\\S+)`).exec(help)?.[1] ?? '0.0.0.0');
  return {
    flags,
    portFlag,
    port: Number(port?.[2] ?? 0),
    hostFlag: portFlag === '' ? '' : hostFlag,
    host,
  };
}

/** The expectations of the project at `root`, each stage's help read from `valbench <command> --help`. */
export function composeExpectations(root: string): ComposeExpectations {
  const options = stackOptionsFromEnv({}, root);
  const endpoints = stackEndpoints(options);
  const stages: Record<string, StageExpectation> = {};
  for (const command of stageCommands) {
    const help = execFileSync(process.execPath, [join(root, 'cli', 'main.ts'), command, '--help'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    stages[command] = stageFromHelp(help);
  }
  return {
    kafkaPort: options.kafkaPort,
    controllerPort: options.controllerPort,
    registryPort: options.registryPort,
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    stages,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(composeExpectations(join(import.meta.dirname, '..')), null, 2));
}
