#!/usr/bin/env node
import { isValbenchError, messageOf } from '../lib/errors.ts';
import { redactSecrets } from '../lib/secrets.ts';
import { quietKnownWarnings } from '../lib/warnings.ts';
import { main as aggregate } from '../services/aggregator/main.ts';
import { main as judge } from '../services/judge/main.ts';
import { main as produce } from '../services/producer/main.ts';
import { main as respond } from '../services/responder/main.ts';
import { replayCommand } from './commands/replay.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { compareCommand } from './commands/compare.ts';
import { exportCommand } from './commands/export.ts';
import { importCommand } from './commands/import.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { simulatorCommand } from './commands/simulator.ts';
import { stackCommand } from './commands/stack.ts';
import { waitCommand } from './commands/wait.ts';

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

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'produce':
      return produce(rest, process.env);
    case 'respond':
      return respond(rest, process.env);
    case 'judge':
      return judge(rest, process.env);
    case 'aggregate':
      return aggregate(rest, process.env);
    case 'replay':
      return replayCommand(rest);
    case 'calibrate':
      return calibrateCommand(rest);
    case 'wait':
      return waitCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'export':
      return exportCommand(rest, process.env);
    case 'import':
      return importCommand(rest, process.env);
    case 'simulator':
      return simulatorCommand(rest);
    case 'stack':
      return stackCommand(rest);
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
