import { join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ValbenchError } from '../../lib/errors.ts';
import { stackUpInterruptibly } from '../../lib/stack/interrupt.ts';
import { stackOptionsFromEnv, type StackOptions } from '../../lib/stack/options.ts';
import { describePart } from '../../lib/stack/part.ts';
import { stackDown, stackReset, stackStatus } from '../../lib/stack/stack.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

const usage = `usage: valbench stack <up|down|status|reset [--yes]>
  up       start the local Kafka (KRaft) broker and Apicurio registry on their stored data, wait
           until both answer, and print KAFKA_BROKERS=... and SCHEMA_REGISTRY_URL=...; a part that
           runs is reused, a part that is down is restarted alone
  down     stop both by PID; all data is kept for the next up
  status   show whether each part runs and answers (exit 1 when not both)
  reset    stop both and delete all stored data (records, schemas, logs); asks first on a
           terminal, --yes deletes without asking
The stack lives in VALBENCH_STACK_DIR (default .stack/ in the project).`;

async function confirmReset(options: StackOptions, args: readonly string[]): Promise<boolean> {
  if (args.includes('--yes')) return true;
  const question = `delete all stored prompts, responses, judgments and schemas in ${options.stateDir}? [y/N] `;
  if (!process.stdin.isTTY) {
    throw new ValbenchError(
      'fatal',
      'CONFIRMATION_NEEDED',
      `stack reset would delete all stored prompts, responses, judgments and schemas in ${options.stateDir}, and stdin is not a terminal to ask on: pass --yes to delete them`,
    );
  }
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

/** `valbench stack up|down|status|reset`. Returns the process exit code. */
export async function stackCommand(args: readonly string[]): Promise<number> {
  const options = stackOptionsFromEnv(process.env, projectRoot);
  const [command, ...flags] = args;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const unknown = flags.filter((flag) => !(command === 'reset' && flag === '--yes'));
  if (unknown.length > 0) {
    console.error(usage);
    throw new ValbenchError(
      'fatal',
      'USAGE',
      `unknown option for stack ${command ?? ''}: ${unknown.join(' ')}`,
    );
  }
  switch (command) {
    case 'up': {
      const result = await stackUpInterruptibly(options, (line) => {
        console.error(line);
      });
      if (result.alreadyRunning) {
        console.error('stack already running');
      } else {
        console.error(describePart('kafka', result.parts.kafka));
        console.error(describePart('registry', result.parts.registry));
        const fetched = result.downloaded ? ' (first start: artifacts fetched)' : '';
        console.error(`stack ready in ${(result.elapsedMs / 1000).toFixed(1)} s${fetched}`);
      }
      console.log(`KAFKA_BROKERS=${result.kafkaBrokers}`);
      console.log(`SCHEMA_REGISTRY_URL=${result.schemaRegistryUrl}`);
      return 0;
    }
    case 'down': {
      const { stopped } = await stackDown(options);
      const what = stopped.length === 0 ? 'stack was not running' : `stopped ${stopped.join(', ')}`;
      console.error(`${what}; data kept in ${options.stateDir}`);
      return 0;
    }
    case 'reset': {
      if (!(await confirmReset(options, flags))) {
        console.error('nothing deleted');
        return 1;
      }
      const { stopped, deleted } = await stackReset(options);
      if (stopped.length > 0) console.error(`stopped ${stopped.join(', ')}`);
      console.error(
        deleted.length === 0
          ? `nothing stored in ${options.stateDir}`
          : `deleted ${deleted.map((path) => relative(options.stateDir, path)).join(', ')} in ${options.stateDir}`,
      );
      return 0;
    }
    case 'status': {
      const status = await stackStatus(options);
      const line = (name: string, part: { pid: number | undefined; answering: boolean }): string =>
        `${name}: ${part.pid === undefined ? 'no process' : `pid ${part.pid}`}, ${part.answering ? 'answering' : 'not answering'}`;
      console.log(line(`kafka    ${status.kafkaBrokers}`, status.kafka));
      console.log(line(`registry ${status.schemaRegistryUrl}`, status.registry));
      return status.kafka.answering && status.registry.answering ? 0 : 1;
    }
    case 'help':
      console.log(usage);
      return 0;
    case undefined:
      console.error(usage);
      return 2;
    default:
      console.error(usage);
      throw new ValbenchError('fatal', 'USAGE', `unknown stack command '${command}'`);
  }
}
