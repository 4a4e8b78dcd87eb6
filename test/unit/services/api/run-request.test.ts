import { describe, expect, it } from 'vitest';
import {
  parseRunRequest,
  unservedProblems,
  type ServedEndpoints,
} from '../../../../services/producer/run-request.ts';
import type { RunRequest } from '../../../../lib/records/types.gen.ts';

const body = (overrides: Record<string, unknown> = {}) => ({
  model: { provider: 'openai-compatible', endpoint: 'vllm', model: 'm', deployment: 'v7' },
  dataset: { path: 'pairs.jsonl', limit: 100, sampleSeed: 3 },
  judges: [{ provider: 'openai-compatible', endpoint: 'judge', model: 'j' }],
  ...overrides,
});

const served: ServedEndpoints = {
  responders: [{ provider: 'openai-compatible', endpoint: 'vllm' }],
  judges: [{ provider: 'openai-compatible', endpoint: 'judge' }],
  datasetDir: '/data',
  hub: { url: 'https://huggingface.co', token: null },
};

function parsed(input: unknown): RunRequest {
  const result = parseRunRequest(input, 1, 'req');
  if ('problems' in result) throw new Error(result.problems.join('; '));
  return result;
}

describe('a run request body', () => {
  it('becomes a run request with the reference defaults left null', () => {
    const request = parsed(body());
    expect(request).toMatchObject({
      requestId: 'req',
      model: { model: 'm', deployment: 'v7', temperature: null, systemPrompt: null },
      dataset: { path: 'pairs.jsonl', split: 'test', limit: 100, sampleSeed: 3, pairIds: null },
      judges: [{ endpoint: 'judge', reversed: false, temperature: null }],
      runId: null,
    });
  });

  it('is refused with every problem, each naming its field', () => {
    const result = parseRunRequest({
      model: { provider: 'gpt', endpoint: 'has space', model: '' },
      dataset: { limit: 0 },
      judges: [],
      extra: true,
    });
    expect('problems' in result).toBe(true);
    const text = 'problems' in result ? result.problems.join('\n') : '';
    for (const field of [
      'model.provider',
      'model.endpoint',
      'model.model',
      'dataset.limit',
      'judges',
      'extra',
    ])
      expect(text).toContain(field);
  });

  it('needs exactly one dataset source, and pair ids exclude limit and seed', () => {
    const neither = parseRunRequest(body({ dataset: { limit: 5 } }));
    expect(JSON.stringify(neither)).toContain('exactly one of path');
    const both = parseRunRequest(body({ dataset: { path: 'a.jsonl', hubDataset: 'a/b' } }));
    expect(JSON.stringify(both)).toContain('exactly one of path');
    const ids = parseRunRequest(body({ dataset: { path: 'a.jsonl', pairIds: ['1'], limit: 3 } }));
    expect(JSON.stringify(ids)).toContain('pairIds excludes');
  });
});

describe('what a service serves', () => {
  it('accepts a request for its endpoints and a file in its dataset folder', () => {
    expect(unservedProblems(parsed(body()), served)).toEqual([]);
  });

  it('names an endpoint no responder or judge serves, and a path outside the folder', () => {
    const request = parsed(
      body({
        model: { provider: 'openai', endpoint: 'vllm', model: 'm' },
        dataset: { path: '../secrets.jsonl' },
        judges: [{ provider: 'openai-compatible', endpoint: 'other', model: 'j' }],
      }),
    );
    const problems = unservedProblems(request, served);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('model.endpoint: no responder serves openai/vllm');
    expect(problems[1]).toContain('judges.0.endpoint: no judge serves openai-compatible/other');
    expect(problems[2]).toContain('outside');
  });
});
