#!/usr/bin/env node
import { isValbenchError, messageOf } from '../lib/errors.ts';
import { quietKnownWarnings } from '../lib/warnings.ts';
import { runCommand } from './commands/run.ts';
import { stackCommand } from './commands/stack.ts';

const usage = `valbench: VAL-Bench value-consistency evaluation on Kafka

usage: valbench <command> [options]

commands:
  run --input FILE       evaluate a model end to end (valbench run --help)
  stack up|down|status   the local Kafka broker and schema registry`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'stack':
      return stackCommand(rest);
    case 'run':
      return runCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`valbench: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

quietKnownWarnings();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const code = isValbenchError(error) ? `${error.code}: ` : '';
  console.error(`valbench: ${code}${messageOf(error)}`);
  process.exitCode = 1;
}
