#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=1024
import { isValbenchError, messageOf } from '../lib/errors.ts';
import { redactSecrets } from '../lib/secrets.ts';
import { quietKnownWarnings } from '../lib/warnings.ts';
const usage = `valbench: VAL-Bench value-consistency evaluation on Kafka

usage: valbench <command> [options]     (valbench <command> --help for its options)

commands:
  run        evaluate a model end to end, all stages in one process, with a report
  serve      every stage in one process, for good: runs requested by POST /runs or a topic
  produce    publish a run's prompt pairs (from a file or the Hugging Face hub)
  respond    a responder process: prompts → the model under test → responses
  judge      a judge process: responses → the LLM judge → judgments
  aggregate  the aggregator: judgments → live page at /, /metrics and /api/metrics
  replay     a judge over the stored responses of the runs named (no model call)
  calibrate  a judge on the four calibration sets: expected vs measured PAC (exit 4: missed)
  wait       wait until a run is judged, print its verdict, apply the CI gates (exit 3: failed)
  compare    every judge of one run side by side: PAC with its interval, REF, NINF, valid/invalid
  report     the report from a file of judge outputs (JSONL, parquet, save_to_disk), no Kafka needed
  export     a run's responses and judgments as parquet/JSONL datasets (and to the HF hub)
  import     a responses dataset produced elsewhere (the Python reference's) → a run to judge
  simulator  the simulated OpenAI/Anthropic HTTP server for tests and load tests
  stack      up|down|status|reset: the local Kafka broker and schema registry (durable)`;

/**
 * Each command's module is imported when that command runs, never the others': a stage process
 * loads its own stage, not the report charts, the Arrow reader or every model SDK (each costs
 * tens of MB of resident memory in every process).
 */
const commands: Record<string, (args: string[]) => Promise<number>> = {
  run: async (args) => (await import('./commands/run.ts')).runCommand(args),
  serve: async (args) => (await import('./commands/serve.ts')).serveCommand(args),
  produce: async (args) => (await import('../services/producer/main.ts')).main(args, process.env),
  respond: async (args) => (await import('../services/responder/main.ts')).main(args, process.env),
  judge: async (args) => (await import('../services/judge/main.ts')).main(args, process.env),
  aggregate: async (args) =>
    (await import('../services/aggregator/main.ts')).main(args, process.env),
  replay: async (args) => (await import('./commands/replay.ts')).replayCommand(args),
  calibrate: async (args) => (await import('./commands/calibrate.ts')).calibrateCommand(args),
  wait: async (args) => (await import('./commands/wait.ts')).waitCommand(args),
  compare: async (args) => (await import('./commands/compare.ts')).compareCommand(args),
  report: async (args) => (await import('./commands/report.ts')).reportCommand(args),
  export: async (args) => (await import('./commands/export.ts')).exportCommand(args, process.env),
  import: async (args) => (await import('./commands/import.ts')).importCommand(args, process.env),
  simulator: async (args) => (await import('./commands/simulator.ts')).simulatorCommand(args),
  stack: async (args) => (await import('./commands/stack.ts')).stackCommand(args),
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : commands[command];
  if (run !== undefined && Object.hasOwn(commands, command ?? '')) return run(rest);
  switch (command) {
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
let exitCode: number;
try {
  exitCode = await main(process.argv.slice(2));
} catch (error) {
  const code = isValbenchError(error) ? `${error.code}: ` : '';
  console.error(`valbench: ${code}${redactSecrets(messageOf(error))}`);
  exitCode = 1;
}
// The command has drained and closed what it could within its bounds: a client still holding
// the event loop (a consumer that did not leave, a pending retry) must not keep the process
// alive, still a member of a consumer group, after it has reported its end.
process.exit(exitCode);
