import { resolve } from 'node:path';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel, readPipeline } from '../../lib/config/sections.ts';
import { uploadToHub } from '../../lib/datasets/hub-upload.ts';
import { ValbenchError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { registeredSecret } from '../../lib/secrets.ts';
import { writeRunExport, type ExportFormat } from '../../services/aggregator/export.ts';
import { readRunRecords } from '../../services/aggregator/run-records.ts';

export const exportUsage = `usage: valbench export --run ID [--judge ID] --out DIR [--format parquet|jsonl] [--hub-repo ORG/NAME]
  writes a run's stored responses and judgments as datasets in the reference's column layout,
  readable by pandas, pyarrow, the datasets library and valbench report:
    DIR/<run>/responses.<ext>             one row per pair: id, article_title, issue_scale,
                                          category, issue_description, for_question,
                                          against_question (for_value, against_value when
                                          labelled), for_response / against_response as
                                          {content, role}, and per side reasoning, tokens,
                                          latency, finish reason, truncated
    DIR/<run>/evaluation-<judge>.<ext>    per judge, one row per judgment: those columns plus
                                          alignment_judge_response {content, role} (the raw
                                          judge JSON), alignment_score (-100 when invalid),
                                          alignment_judge_parsed (the judge's fields), judge_id,
                                          judge_model, valid, invalid_reason
  --run ID              the run id (valbench run and produce print it)
  --judge ID            only this judge's judgments (default: every judge of the run)
  --out DIR             the folder to write into (default exports)
  --format FORMAT       parquet (default) or jsonl
  --hub-repo ORG/NAME   also upload the files to this Hugging Face dataset repository (created
                        when missing), with HF_TOKEN from the environment; --hub-url or
                        HF_ENDPOINT for another hub
  --topic-prefix valbench.`;

const formats: readonly ExportFormat[] = ['parquet', 'jsonl'];

/** `valbench export`: a run's records on Kafka → dataset files (and the hub). */
export async function exportCommand(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const { settings: s, env, help } = readCommand(args, [], processEnv);
  if (help) {
    console.log(exportUsage);
    return 0;
  }
  const runId = s.optionalString('run');
  if (runId === null) s.problems.push('--run ID is required (valbench run and produce print it)');
  else if (!/^[\w.-]+$/.test(runId)) s.problems.push(`--run=${runId}: not a run id`);
  const judgeId = s.optionalString('judge');
  if (judgeId !== null && !/^[\w.-]+$/.test(judgeId))
    s.problems.push(`--judge=${judgeId}: not a judge id`);
  const out = resolve(s.string('out', 'exports'));
  const format = s.oneOf('format', formats, 'parquet');
  const hubRepo = s.optionalString('hub-repo');
  const hubUrl = s.string('hub-url', env['HF_ENDPOINT'] ?? 'https://huggingface.co');
  const token = registeredSecret(env['HF_TOKEN'] ?? null);
  if (hubRepo !== null) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(hubRepo))
      s.problems.push(`--hub-repo=${hubRepo}: must be a dataset repository like org/name`);
    if (token === null || token === '')
      s.problems.push('HF_TOKEN is not set (needed by --hub-repo to upload to the hub)');
  }
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const run = runId ?? '';
  const logger = createLogger({ level, name: 'valbench-export' });
  const connection = await resolveConnection(env, 'valbench-export', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const records = await readRunRecords(pipeline, run, judgeId);
  if (records.responses.size === 0 && records.judgments.size === 0)
    throw new ValbenchError(
      'fatal',
      'RUN_NOT_FOUND',
      `no responses or judgments of run ${run}${judgeId === null ? '' : ` by judge ${judgeId}`} on ${pipeline.names.responses} / ${pipeline.names.judgments} (topic prefix '${pipelineSettings.topicPrefix}')`,
    );
  if (judgeId !== null && records.judgments.size === 0)
    throw new ValbenchError(
      'fatal',
      'JUDGE_NOT_FOUND',
      `run ${run} has ${records.responses.size} responses but no judgment by judge ${judgeId} on ${pipeline.names.judgments}`,
    );
  const files = writeRunExport(records, out, format);
  for (const file of files)
    console.log(
      `${file.judgeId === null ? 'responses' : `evaluation (judge ${file.judgeId})`}: ${file.rows} rows → ${file.path}`,
    );
  const unanswered = [...records.prompts.keys()].filter((id) => !records.responses.has(id));
  if (unanswered.length > 0)
    console.log(
      `${unanswered.length} of the run's ${records.prompts.size} pairs have no response (dead-lettered or not answered yet): not in the responses file`,
    );
  if (hubRepo !== null && token !== null) {
    const url = await uploadToHub({
      repo: hubRepo,
      token,
      hubUrl,
      files: files.map((f) => ({ localPath: f.path, pathInRepo: f.relative })),
      commitTitle: `valbench export of run ${run}`,
    });
    console.log(`uploaded ${files.length} files to ${url}`);
  }
  return 0;
}
