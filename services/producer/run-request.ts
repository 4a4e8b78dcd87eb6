import { randomUUID } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { PriceTable } from '../../lib/cost/prices.ts';
import { REFERENCE_SYSTEM_PROMPT, type DatasetSettings } from '../../lib/config/sections.ts';
import { providerKinds } from '../../lib/llm/provider.ts';
import type { JudgeConfig, RunRequest } from '../../lib/records/types.gen.ts';

const provider = z.enum(providerKinds);
const alias = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'an endpoint alias: letters, digits, ".", "_", "-"');
const name = z.string().min(1).max(300);

const judgeSpec = z.strictObject({
  provider,
  endpoint: alias,
  model: name,
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  maxOutputTokens: z.int().min(1).max(1_000_000).optional(),
  reversed: z.boolean().optional(),
});

/** The body of `POST /runs` (JSON). Unknown fields are refused: a typo must not go unnoticed. */
const runRequestBody = z.strictObject({
  model: z.strictObject({
    provider,
    endpoint: alias,
    model: name,
    deployment: name.optional(),
    systemPrompt: z.string().min(1).max(20_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    maxOutputTokens: z.int().min(1).max(1_000_000).optional(),
    reasoningEffort: z.string().min(1).max(50).optional(),
  }),
  dataset: z
    .strictObject({
      path: z.string().min(1).max(4096).optional(),
      hubDataset: z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+$/, 'a hub dataset id like val-bench/VAL-Bench')
        .optional(),
      revision: z.string().min(1).max(200).optional(),
      split: z.string().min(1).max(100).optional(),
      limit: z.int().min(1).optional(),
      sampleSeed: z.int().optional(),
      pairIds: z.array(z.string().min(1).max(200)).min(1).max(200_000).optional(),
    })
    .refine((d) => (d.path === undefined) !== (d.hubDataset === undefined), {
      message: 'give exactly one of path (a file the service can read) and hubDataset',
    })
    .refine(
      (d) => d.pairIds === undefined || (d.limit === undefined && d.sampleSeed === undefined),
      {
        message: 'pairIds excludes limit and sampleSeed',
      },
    ),
  judges: z.array(judgeSpec).min(1).max(8),
  maxCostUsd: z.number().nonnegative().optional(),
});

/** A refused request: every problem, each naming its field. */
export interface RequestProblems {
  problems: string[];
}

/** Validates a `POST /runs` body into a run request (fields, ranges; not yet what is served). */
export function parseRunRequest(
  body: unknown,
  now = Date.now(),
  requestId: string = randomUUID(),
): RunRequest | RequestProblems {
  const parsed = runRequestBody.safeParse(body);
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`,
      ),
    };
  const { model, dataset, judges, maxCostUsd } = parsed.data;
  return {
    requestId,
    model: {
      provider: model.provider,
      endpoint: model.endpoint,
      model: model.model,
      deployment: model.deployment ?? 'unversioned',
      systemPrompt: model.systemPrompt ?? null,
      temperature: model.temperature ?? null,
      topP: model.topP ?? null,
      maxOutputTokens: model.maxOutputTokens ?? null,
      reasoningEffort: model.reasoningEffort ?? null,
    },
    dataset: {
      path: dataset.path ?? null,
      hubDataset: dataset.hubDataset ?? null,
      revision: dataset.revision ?? null,
      split: dataset.split ?? 'test',
      limit: dataset.limit ?? null,
      sampleSeed: dataset.sampleSeed ?? null,
      pairIds: dataset.pairIds ?? null,
    },
    judges: judges.map((j) => ({
      provider: j.provider,
      endpoint: j.endpoint,
      model: j.model,
      temperature: j.temperature ?? null,
      topP: j.topP ?? null,
      maxOutputTokens: j.maxOutputTokens ?? null,
      reversed: j.reversed ?? false,
    })),
    runId: null,
    requestedAt: now,
    maxCostUsd: maxCostUsd ?? null,
  };
}

/** What a service serves: the endpoints its responders and judges call, where its files are. */
export interface ServedEndpoints {
  responders: readonly { provider: string; endpoint: string }[];
  judges: readonly { provider: string; endpoint: string }[];
  /** Dataset paths in requests are resolved here and must stay inside it. */
  datasetDir: string;
  hub: { url: string; token: string | null };
  /** The price table a request's maxCostUsd is checked against (none: budgets refused). */
  prices?: PriceTable;
}

const serves = (
  list: readonly { provider: string; endpoint: string }[],
  wanted: { provider: string; endpoint: string },
): boolean => list.some((e) => e.provider === wanted.provider && e.endpoint === wanted.endpoint);

const described = (list: readonly { provider: string; endpoint: string }[]): string =>
  list.length === 0 ? 'none' : list.map((e) => `${e.provider}/${e.endpoint}`).join(', ');

/**
 * Why this service cannot run the request (empty when it can): an endpoint no responder or judge
 * here serves, a dataset path outside the dataset folder. Checked on arrival, so a request never
 * waits for an endpoint nobody serves.
 */
export function unservedProblems(request: RunRequest, served: ServedEndpoints): string[] {
  const problems: string[] = [];
  if (!serves(served.responders, request.model))
    problems.push(
      `model.endpoint: no responder serves ${request.model.provider}/${request.model.endpoint} (served: ${described(served.responders)})`,
    );
  request.judges.forEach((judge, i) => {
    if (!serves(served.judges, judge))
      problems.push(
        `judges.${i}.endpoint: no judge serves ${judge.provider}/${judge.endpoint} (served: ${described(served.judges)})`,
      );
  });
  if (request.maxCostUsd !== null)
    for (const model of [request.model.model, ...request.judges.map((j) => j.model)])
      if ((served.prices?.priceOf(model) ?? null) === null)
        problems.push(
          `maxCostUsd: no price for model ${model} in ${served.prices?.path ?? "this service's price table"}`,
        );
  const path = request.dataset.path;
  if (path !== null) {
    const inside = relative(served.datasetDir, resolve(served.datasetDir, path));
    if (inside.startsWith('..') || isAbsolute(inside))
      problems.push(`dataset.path: ${path} is outside the service's dataset folder`);
    else if (!/\.(jsonl|parquet)$/.test(path))
      problems.push(`dataset.path: ${path} must end in .jsonl or .parquet`);
  }
  return problems;
}

/** The dataset settings a validated request reads with. */
export function datasetSettingsOf(request: RunRequest, served: ServedEndpoints): DatasetSettings {
  const d = request.dataset;
  return {
    source:
      d.path !== null
        ? { kind: 'file', path: resolve(served.datasetDir, d.path) }
        : {
            kind: 'hub',
            dataset: d.hubDataset ?? '',
            revision: d.revision ?? 'main',
            hubUrl: served.hub.url,
            token: served.hub.token,
          },
    split: d.split,
    limit: d.limit,
    sampleSeed: d.sampleSeed,
    pairIds: d.pairIds,
    valueColumns: { for: null, against: null },
  };
}

/** The model settings of a request, the reference's where it leaves them out. */
export function modelSettingsOf(request: RunRequest) {
  const m = request.model;
  return {
    model: m.model,
    deployment: m.deployment,
    systemPrompt: m.systemPrompt ?? REFERENCE_SYSTEM_PROMPT,
    temperature: m.temperature ?? 0.1,
    topP: m.topP ?? 0.9,
    maxOutputTokens: m.maxOutputTokens ?? 4096,
    reasoningEffort: m.reasoningEffort,
    webSearch: false,
  };
}

/** Each judge of a request as a judge configuration with the service's rubric. */
export function judgeConfigsOf(request: RunRequest, rubricHash: string): JudgeConfig[] {
  return request.judges.map((j) => ({
    provider: j.provider,
    endpoint: j.endpoint,
    model: j.model,
    rubricHash,
    temperature: j.temperature ?? 0.1,
    topP: j.topP ?? 0.9,
    maxOutputTokens: j.maxOutputTokens ?? 2048,
    reversed: j.reversed,
    values: null,
  }));
}
