import type { Registry } from 'prom-client';
import { REFERENCE_SYSTEM_PROMPT } from '../lib/config/sections.ts';
import { ValbenchError } from '../lib/errors.ts';
import { runIdOf } from '../lib/ids.ts';
import type { KafkaConnection } from '../lib/kafka/client.ts';
import type { RegistryConnection } from '../lib/kafka/registry.ts';
import type { Logger } from '../lib/log.ts';
import { openPipeline } from '../lib/pipeline.ts';
import type { RunConfig } from '../lib/records/types.gen.ts';
import { summarize } from '../services/aggregator/metrics.ts';
import {
  CALIBRATION_ORIGIN,
  calibrationDatasetId,
  calibrationRows,
  calibrationSets,
  calibrationVerdict,
  type CalibrationSet,
  type CalibrationVerdict,
} from '../services/judge/calibration.ts';
import { publishImport } from '../services/producer/import.ts';
import { runConfigOf } from '../services/producer/produce.ts';
import { importedPair, type ImportedPair } from '../services/producer/reference-responses.ts';
import { readCalibrationSet, type CalibrationSource } from './calibration-source.ts';
import type { Completion } from './completion.ts';
import { runReplay, type ReplaySettings } from './replay.ts';

export interface CalibrateSettings {
  tolerance: number;
  /** The judge and how to serve it, as for `valbench replay`. */
  replay: Omit<ReplaySettings, 'runIds' | 'detach' | 'origin'>;
}

/** One set as imported and judged. */
export interface SetOutcome extends CalibrationVerdict {
  runId: string;
  where: string;
  /** Pairs in the set, and how many of them had no answer to judge (dead-lettered on import). */
  pairs: number;
  missing: number;
  /** Judgments of the set by this judge: valid, and invalid (never silently dropped). */
  valid: number;
  invalid: number;
}

export interface CalibrationOutcome {
  judgeId: string;
  sets: SetOutcome[];
  /** What the command should tell (ids numbered by row, pairs without answers). */
  notes: string[];
  interrupted: boolean;
  completion: Completion;
}

/** A calibration set read, mapped and ready to import as its run. */
export interface PreparedSet {
  set: CalibrationSet;
  run: RunConfig;
  runId: string;
  pairs: ImportedPair[];
  where: string;
}

/** A calibration run: provider `imported`, the set's hub name as dataset id, its revision. */
function calibrationRunConfig(set: CalibrationSet, revision: string, split: string): RunConfig {
  return runConfigOf(
    {
      model: set.name,
      deployment: 'fixed-responses',
      systemPrompt: REFERENCE_SYSTEM_PROMPT,
      temperature: 0.1,
      topP: 0.9,
      maxOutputTokens: 4096,
      reasoningEffort: null,
      webSearch: false,
    },
    { provider: 'imported', endpoint: 'calibration' },
    {
      datasetId: calibrationDatasetId(set),
      revision,
      split,
      limit: null,
      sampleSeed: null,
      pairIds: null,
    },
  );
}

/**
 * Reads and maps every set before anything touches a topic (or starts a stack): a set that is
 * missing or cannot be mapped stops the command naming it. `notes` are what the command should
 * tell: ids numbered by row.
 */
export async function prepareCalibration(
  source: CalibrationSource,
): Promise<{ sets: PreparedSet[]; notes: string[] }> {
  const notes: string[] = [];
  const prepared: PreparedSet[] = [];
  for (const set of calibrationSets) {
    const file = await readCalibrationSet(source, set);
    const { rows, numbered } = calibrationRows(file.rows, file.where);
    if (numbered) notes.push(`${file.where}: no id column, pairs numbered by row`);
    const pairs = rows.map((row, i) => importedPair(row, `${file.where} row ${i + 1}`));
    const ids = new Set(pairs.map((p) => p.row.id));
    if (ids.size !== pairs.length)
      throw new ValbenchError('fatal', 'DATASET_ROW_INVALID', `${file.where}: a pair id repeats`);
    const run = calibrationRunConfig(set, file.revision, file.split);
    prepared.push({ set, run, runId: runIdOf(run), pairs, where: file.where });
  }
  return { sets: prepared, notes };
}

/**
 * `valbench calibrate`: imports each calibration set as a run (what is already on the topics is
 * not published again), has the judge judge the four runs in one judge request of origin
 * `calibrate` (pairs it judged before are not judged again), and compares each run's PAC with
 * the one its name promises.
 */
export async function runCalibration(
  prepared: readonly PreparedSet[],
  settings: CalibrateSettings,
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  logger: Logger,
  registry: Registry,
  hooks: { interrupt?: AbortSignal; onProgress?: (c: Completion) => void } = {},
): Promise<CalibrationOutcome> {
  const notes: string[] = [];
  const pipeline = await openPipeline(connection, settings.replay.pipeline, logger);
  for (const p of prepared) {
    const outcome = await publishImport(pipeline, p.runId, p.run, p.pairs);
    if (outcome.missing.pairIds.length > 0)
      notes.push(
        `${p.where}: ${outcome.missing.pairIds.length} pairs without an answer on a side, not judged (dead-lettered RESPONSE_MISSING)`,
      );
  }
  const replay = await runReplay(
    {
      ...settings.replay,
      runIds: prepared.map((p) => p.runId),
      detach: false,
      origin: CALIBRATION_ORIGIN,
    },
    connection,
    logger,
    registry,
    hooks,
  );
  const sets = prepared.map((p): SetOutcome => {
    const tally = replay.metrics.get(p.runId)?.overall;
    const summary = tally === undefined || tally.valid === 0 ? null : summarize(tally);
    return {
      ...calibrationVerdict(p.set, summary, !replay.interrupted, settings.tolerance),
      runId: p.runId,
      where: p.where,
      pairs: p.pairs.length,
      missing: p.pairs.filter((pair) => pair.answers === null).length,
      valid: tally?.valid ?? 0,
      invalid: tally?.invalid ?? 0,
    };
  });
  return {
    judgeId: replay.judgeId,
    sets,
    notes,
    interrupted: replay.interrupted,
    completion: replay.completion,
  };
}
