import { basename, resolve } from 'node:path';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel, readModel, readPipeline } from '../../lib/config/sections.ts';
import {
  contentRevision,
  readTable,
  tableInputHelp,
  tableInputProblem,
} from '../../lib/datasets/read.ts';
import { ValbenchError } from '../../lib/errors.ts';
import { runIdOf } from '../../lib/ids.ts';
import { createLogger } from '../../lib/log.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { publishImport } from '../../services/producer/import.ts';
import { runConfigOf } from '../../services/producer/produce.ts';
import { importedPair } from '../../services/producer/reference-responses.ts';

export const importUsage = `usage: valbench import --responses PATH --model NAME [options]
  publishes responses produced elsewhere (the Python reference's responses dataset, or a
  valbench export) as a run, so any judge can replay them; prints the run id. The run id is a
  hash of this configuration (provider 'imported'): importing the same file again publishes
  nothing twice. A side stored as "No response" (the reference's failed call) or empty makes
  its pair missing: counted, listed, and put on the dead-letter topic (RESPONSE_MISSING), never
  published as a response

  --responses PATH      ${tableInputHelp}: one row per pair
                        with id, issue_description, for_question, against_question (issue_scale,
                        category, article_title, for_value, against_value when present) and
                        for_response / against_response as {content, role} or text
  --model NAME          the model that produced the responses (required)
  --deployment LABEL    its deployment label (default unversioned)
  --endpoint ALIAS      where it was served (default imported)
  --dataset-id ID       the dataset the pairs come from (default file:<name of PATH>)
  --split NAME          its split (default test)
  --system-prompt TEXT --temperature 0.1 --top-p 0.9 --max-output-tokens 4096
  --reasoning-effort LEVEL --web-search
                        how the responses were produced (defaults: the reference's settings)
  --topic-prefix valbench. --partitions 6`;

/** How many ids of a list to print before "… and N more". */
const LISTED = 20;

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, LISTED).join(', ');
  return ids.length > LISTED ? `${shown} … and ${ids.length - LISTED} more` : shown;
}

/** `valbench import`: a responses dataset file → prompts, responses and dead letters of a run. */
export async function importCommand(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const { settings: s, env, help } = readCommand(args, ['web-search'], processEnv);
  if (help) {
    console.log(importUsage);
    return 0;
  }
  const input = s.optionalString('responses');
  if (input === null) s.problems.push(`--responses PATH (${tableInputHelp}) is required`);
  else {
    const problem = tableInputProblem(input);
    if (problem !== null) s.problems.push(`--responses ${problem}`);
  }
  if (s.optionalString('model') === null)
    s.problems.push('--model NAME (the model that produced the responses) is required');
  const model = readModel(s);
  const endpoint = s.string('endpoint', 'imported');
  if (!/^[\w.-]+$/.test(endpoint))
    s.problems.push(`--endpoint=${endpoint}: an alias (letters, digits, '.', '_', '-')`);
  const datasetId = s.optionalString('dataset-id');
  const split = s.string('split', 'test');
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const path = input ?? '';
  const { rows, files } = await readTable(path);
  const pairs = rows.map((row, i) => importedPair(row, `${path} row ${i + 1}`));
  const seen = new Set<string>();
  for (const pair of pairs) {
    if (seen.has(pair.row.id))
      throw new ValbenchError(
        'fatal',
        'DATASET_ROW_INVALID',
        `${path}: pair id ${pair.row.id} appears twice`,
      );
    seen.add(pair.row.id);
  }
  if (pairs.length === 0)
    throw new ValbenchError('fatal', 'DATASET_EMPTY', `${path}: no rows to import`);
  const run = runConfigOf(
    model,
    { provider: 'imported', endpoint },
    {
      datasetId: datasetId ?? `file:${basename(resolve(path))}`,
      revision: contentRevision(files),
      split,
      limit: null,
      sampleSeed: null,
      pairIds: null,
    },
  );
  const runId = runIdOf(run);

  const logger = createLogger({ level, name: 'valbench-import' });
  const connection = await resolveConnection(env, 'valbench-import', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const outcome = await publishImport(pipeline, runId, run, pairs);
  const missing = outcome.missing.pairIds;
  console.log(
    `imported ${pairs.length} pairs of ${path} as run ${runId}: ${pairs.length - missing.length} with both answers (${outcome.responses.published} published, ${outcome.responses.alreadyPublished} already on ${pipeline.names.responses}), ${missing.length} missing`,
  );
  if (missing.length > 0)
    console.log(
      `missing (a side "No response" or empty; on ${pipeline.names.deadLetters} as RESPONSE_MISSING, never judged): ${listIds(missing)}`,
    );
  const { pairIds, ...missingCounts } = outcome.missing;
  console.log(
    JSON.stringify({
      runId,
      pairs: pairs.length,
      prompts: outcome.prompts,
      responses: outcome.responses,
      missing: { ...missingCounts, count: pairIds.length },
    }),
  );
  return 0;
}
