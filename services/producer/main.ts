import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import {
  logLevel,
  readDataset,
  readEndpointIdentity,
  readJudgeRequest,
  readModel,
  readPipeline,
} from '../../lib/config/sections.ts';
import { runIdOf } from '../../lib/ids.ts';
import { createLogger } from '../../lib/log.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { publishJudgeRequests } from '../judge/publish-requests.ts';
import { judgeIdentity, judgeRequestOf } from '../judge/stage.ts';
import { describeValueColumns, judgeTaxonomy } from '../judge/taxonomy.ts';
import { loadDataset } from './source.ts';
import { publishPrompts, runConfigOf } from './produce.ts';

export const produceUsage = `usage: valbench produce (--input FILE | --dataset ID) [options]
  publishes the selected VAL-Bench pairs of one run onto the prompts topic and exits; the run id
  is a hash of the run configuration, and pairs of the run already on the topic are skipped, so
  publishing the same run again (or after a crash) asks the model nothing twice

  --input FILE.jsonl|FILE.parquet   local rows (the offline path)
  --dataset val-bench/VAL-Bench --revision main --split test   from the Hugging Face hub
                                    (HF_TOKEN from the environment when set; HF_ENDPOINT or --hub-url)
  --limit N --sample-seed S         first N pairs, or a seeded sample the same on any machine
  --provider simulated|openai|openai-compatible|anthropic --endpoint ALIAS --base-url URL
  --model NAME --deployment LABEL --system-prompt TEXT --temperature 0.1 --top-p 0.9
  --max-output-tokens 4096 --reasoning-effort LEVEL --web-search
  the judge asked for the run (a judge request on the judge-requests topic, served by the
  valbench judge processes of its endpoint; --no-judge: none):
  --judge-provider simulated|openai|openai-compatible|anthropic --judge-endpoint ALIAS
  --judge-model NAME --judge-temperature 0.1 --judge-top-p 0.9 --judge-max-output-tokens 2048
  --rubric FILE --reverse --judge-attempts 3
  --judge-values (the judge also labels the value each answer demonstrates, from the values of the
  dataset's value columns) or --values FILE (one value per line)
  --for-value-column NAME --against-value-column NAME (default: the columns the file names for
  them, e.g. for_value / against_value; which were used is printed)
  --topic-prefix valbench. --partitions 6`;

/** `valbench produce`: dataset → prompts topic. */
export async function main(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const {
    settings: s,
    env,
    help,
  } = readCommand(
    args,
    ['web-search', 'reverse', 'no-judge', 'judge-simulator-hints', 'judge-values'],
    processEnv,
  );
  if (help) {
    console.log(produceUsage);
    return 0;
  }
  const dataset = readDataset(s, env);
  const endpoint = readEndpointIdentity(s, '');
  const model = readModel(s);
  const judge = s.boolean('no-judge', false) ? null : readJudgeRequest(s);
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const logger = createLogger({ level, name: 'valbench-producer' });
  const loaded = await loadDataset(dataset);
  const run = runConfigOf(model, endpoint, loaded.selection);
  const runId = runIdOf(run);
  const connection = await resolveConnection(env, 'valbench-producer', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  // The judge request first: the judges start on the run's responses as they come.
  const judgeRequests =
    judge === null
      ? []
      : [
          judgeRequestOf(
            {
              ...judgeIdentity(judge, await judgeTaxonomy(judge.values, loaded)),
              maxInvalidAttempts: judge.maxInvalidAttempts,
              swapSample: judge.swapSample,
            },
            [runId],
            'produce',
          ),
        ];
  await publishJudgeRequests(pipeline, judgeRequests);

  let last = 0;
  const { published, alreadyPublished } = await publishPrompts(
    pipeline,
    runId,
    run,
    loaded.rows(),
    (published) => {
      if (published - last >= 1000 || published === loaded.pairIds.size) {
        last = published;
        logger.info({ runId, published, total: loaded.pairIds.size }, 'publishing prompts');
      }
    },
  );
  console.log(
    JSON.stringify({
      runId,
      pairs: loaded.pairIds.size,
      published,
      alreadyPublished,
      topic: pipeline.names.prompts,
      values: describeValueColumns(loaded),
      judgeRequests: judgeRequests.map((r) => ({ requestId: r.requestId, judgeId: r.judgeId })),
      dataset: loaded.selection,
    }),
  );
  return 0;
}
