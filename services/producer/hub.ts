import { datasetInfo, downloadFile, listFiles } from '@huggingface/hub';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { ValbenchError, messageOf } from '../../lib/errors.ts';
import { redactSecrets } from '../../lib/secrets.ts';

export interface HubSelection {
  dataset: string;
  revision: string;
  split: string;
  hubUrl: string;
  token: string | null;
  /** Downloaded parquet files are kept here, by commit, so a second run reads them offline. */
  cacheDir: string;
  fetch?: typeof fetch;
}

export interface HubFiles {
  /** The commit the revision resolved to: recorded in the run config, so runs are reproducible. */
  commit: string;
  /** Each file's path in the dataset repository and where it is on disk (in the cache). */
  files: { path: string; local: string }[];
}

/** Parquet files of a split: `<split>-*.parquet` or any parquet under a `<split>/` folder. */
export function splitFiles(paths: readonly string[], split: string): string[] {
  return paths
    .filter((path) => {
      if (!path.endsWith('.parquet')) return false;
      const parts = path.split('/');
      const name = parts.at(-1) ?? '';
      return name.startsWith(`${split}-`) || name === `${split}.parquet` || parts.includes(split);
    })
    .sort();
}

function unreachable(selection: HubSelection, error: unknown): ValbenchError {
  const detail = redactSecrets(messageOf(error), selection.token === null ? [] : [selection.token]);
  return new ValbenchError(
    'fatal',
    'HUB_UNREACHABLE',
    `cannot read dataset ${selection.dataset}@${selection.revision} from the Hugging Face hub at ${selection.hubUrl} (${detail}). Offline: download its ${selection.split} parquet files elsewhere and pass --input FILE.parquet (or a .jsonl of the same rows).`,
    { cause: error },
  );
}

/**
 * Lists and downloads the parquet files of one split of a hub dataset at a revision, with the
 * token from the environment when given (gated sets). Each file is streamed to the cache folder
 * (never held in memory: the reader reads it from disk by row groups); files already cached for
 * the resolved commit are not downloaded again.
 */
export async function fetchHubSplit(selection: HubSelection): Promise<HubFiles> {
  const repo = { type: 'dataset' as const, name: selection.dataset };
  const common = {
    hubUrl: selection.hubUrl,
    ...(selection.token === null ? {} : { accessToken: selection.token }),
    ...(selection.fetch === undefined ? {} : { fetch: selection.fetch }),
  };
  let commit: string;
  const paths: string[] = [];
  try {
    const info = await datasetInfo({
      name: selection.dataset,
      revision: selection.revision,
      additionalFields: ['sha'],
      ...common,
    });
    commit = info.sha;
    for await (const entry of listFiles({ repo, revision: commit, recursive: true, ...common }))
      if (entry.type === 'file') paths.push(entry.path);
  } catch (error) {
    throw unreachable(selection, error);
  }
  const wanted = splitFiles(paths, selection.split);
  if (wanted.length === 0)
    throw new ValbenchError(
      'fatal',
      'DATASET_SPLIT_MISSING',
      `${selection.dataset}@${commit}: no parquet files for split '${selection.split}' among ${paths.length} files`,
    );
  const files: HubFiles['files'] = [];
  for (const path of wanted) {
    const cached = join(selection.cacheDir, selection.dataset, commit, path);
    if (!existsSync(cached)) {
      let blob: Blob | null;
      try {
        blob = await downloadFile({ repo, path, revision: commit, ...common });
      } catch (error) {
        throw unreachable(selection, error);
      }
      if (blob === null)
        throw new ValbenchError(
          'fatal',
          'HUB_FILE_MISSING',
          `${selection.dataset}: ${path} vanished`,
        );
      mkdirSync(dirname(cached), { recursive: true });
      try {
        await pipeline(Readable.fromWeb(blob.stream()), createWriteStream(`${cached}.partial`));
      } catch (error) {
        throw unreachable(selection, error);
      }
      renameSync(`${cached}.partial`, cached);
    }
    files.push({ path, local: cached });
  }
  return { commit, files };
}
