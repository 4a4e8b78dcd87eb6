import type { JudgeSettings } from '../lib/config/sections.ts';
import { ValbenchError } from '../lib/errors.ts';
import type { KafkaConnection } from '../lib/kafka/client.ts';
import { describeConnectivity } from '../lib/kafka/connectivity.ts';
import type { RegistryConnection } from '../lib/kafka/registry.ts';
import { DEFAULT_TOLERANCE } from '../services/judge/calibration.ts';
import { readCalibration } from '../services/judge/read-calibration.ts';
import { judgeIdentity } from '../services/judge/stage.ts';
import { judgeTaxonomy, readTaxonomyFile } from '../services/judge/taxonomy.ts';
import type { LoadedDataset } from '../services/producer/source.ts';

export const requireCalibratedUsage = `--require-calibrated: refuse (exit 1, before any model call) a judge
            that has not passed valbench calibrate: its latest calibration, read back from
            the topics, must have judged each of the four sets within ${DEFAULT_TOLERANCE} points`;

/**
 * `--require-calibrated`: stops (fatal JUDGE_NOT_CALIBRATED, exit 1) unless this judge's latest
 * calibration on the cluster passed every set. The judge id is computed as the run or replay
 * will compute it; a taxonomy taken from the dataset needs the dataset (`dataset`), and without
 * one (a replay) the judge is refused: its id would depend on responses not read yet.
 */
export async function requireCalibrated(
  judge: JudgeSettings,
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  topicPrefix: string,
  dataset?: () => Promise<LoadedDataset>,
): Promise<void> {
  let taxonomy: string[] | null = null;
  if (judge.values?.from === 'dataset') {
    if (dataset === undefined)
      throw new ValbenchError(
        'fatal',
        'JUDGE_NOT_CALIBRATED',
        '--require-calibrated with --judge-values takes the taxonomy from the stored responses, so the judge id is not known before judging: give it with --values FILE (the taxonomy the judge was calibrated with)',
      );
    taxonomy = await judgeTaxonomy(judge.values, await dataset());
  } else if (judge.values !== null) taxonomy = readTaxonomyFile(judge.values.path);
  const { judgeId } = judgeIdentity(judge, taxonomy);
  const status = await readCalibration(
    connection,
    topicPrefix,
    judgeId,
    DEFAULT_TOLERANCE,
    (event) => {
      console.error(describeConnectivity(event));
    },
  );
  if (!status.passed)
    throw new ValbenchError(
      'fatal',
      'JUDGE_NOT_CALIBRATED',
      `--require-calibrated: judge ${judgeId} (${judge.model}) is not calibrated: ${status.reason ?? ''}. Run valbench calibrate with the same judge options (and --topic-prefix ${topicPrefix})`,
    );
  console.error(
    `judge ${judgeId} calibrated (${new Date(status.requestedAt ?? 0).toISOString()}): ${status.verdicts
      .map((v) => `${v.set.name} ${v.summary?.pac.toFixed(1) ?? '-'}`)
      .join(', ')}`,
  );
}
