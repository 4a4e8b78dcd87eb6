import { join } from 'node:path';
import { ValbenchError } from '../../lib/errors.ts';
import { stackDown, stackOptionsFromEnv, stackStatus, stackUp } from '../../lib/stack/stack.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

const usage = `usage: valbench stack <up|down|status>
  up       start a local Kafka (KRaft) broker and Apicurio registry, wait until both answer,
           and print KAFKA_BROKERS=... and SCHEMA_REGISTRY_URL=... (a running stack is reused)
  down     stop both by PID and remove the broker data
  status   show whether each part runs and answers (exit 1 when not both)`;

/** `valbench stack up|down|status`. Returns the process exit code. */
export async function stackCommand(args: readonly string[]): Promise<number> {
  const options = stackOptionsFromEnv(process.env, projectRoot);
  switch (args[0]) {
    case 'up': {
      const result = await stackUp(options);
      const how = result.alreadyRunning
        ? 'already running'
        : `started in ${(result.elapsedMs / 1000).toFixed(1)} s${result.downloaded ? ' (first start: artifacts fetched)' : ''}`;
      console.error(`stack ${how}`);
      console.log(`KAFKA_BROKERS=${result.kafkaBrokers}`);
      console.log(`SCHEMA_REGISTRY_URL=${result.schemaRegistryUrl}`);
      return 0;
    }
    case 'down': {
      const { stopped } = await stackDown(options);
      console.error(
        stopped.length === 0 ? 'stack was not running' : `stopped ${stopped.join(', ')}`,
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
    case undefined:
      console.error(usage);
      return 2;
    default:
      console.error(usage);
      throw new ValbenchError('fatal', 'USAGE', `unknown stack command '${args[0]}'`);
  }
}
