import { readFileSync } from 'node:fs';
import { HubApiError, createRepo, uploadFiles } from '@huggingface/hub';
import { ValbenchError, messageOf } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';

export interface HubUpload {
  /** The dataset repository, `org/name`; created when it does not exist. */
  repo: string;
  /** HF_TOKEN, never written anywhere. */
  token: string;
  hubUrl: string;
  /** Local files and the path each gets in the repository. */
  files: readonly { localPath: string; pathInRepo: string }[];
  commitTitle: string;
  fetch?: typeof fetch;
}

/**
 * Uploads files to a Hugging Face dataset repository in one commit (creating the repository
 * first when it is missing), as the reference's `push_to_hub` does. Any failure is a fatal
 * HUB_UPLOAD_FAILED naming the repository and the hub, with the token removed from the message.
 * Returns the repository's URL.
 */
export async function uploadToHub(upload: HubUpload): Promise<string> {
  const repo = { type: 'dataset' as const, name: upload.repo };
  const common = {
    hubUrl: upload.hubUrl,
    accessToken: upload.token,
    ...(upload.fetch === undefined ? {} : { fetch: upload.fetch }),
  };
  const fail = (doing: string, error: unknown): ValbenchError =>
    new ValbenchError(
      'fatal',
      'HUB_UPLOAD_FAILED',
      `${doing} ${upload.repo} on the Hugging Face hub at ${upload.hubUrl} failed: ${redactSecrets(messageOf(error), [upload.token])}. The files are written locally; upload them again later with the same command.`,
    );
  try {
    await createRepo({ repo, ...common });
  } catch (error) {
    // 409: the repository exists already, which is the usual case for a second export.
    if (!(error instanceof HubApiError && error.statusCode === 409))
      throw fail('creating dataset repository', error);
  }
  try {
    await uploadFiles({
      repo,
      ...common,
      commitTitle: upload.commitTitle,
      files: upload.files.map((file) => ({
        path: file.pathInRepo,
        content: new Blob([readFileSync(file.localPath)]),
      })),
    });
  } catch (error) {
    throw fail('uploading to dataset repository', error);
  }
  return `${upload.hubUrl.replace(/\/$/, '')}/datasets/${upload.repo}`;
}
