import type {
  DeadLetter,
  JudgeRequest,
  Judgment,
  RunRequest,
  PromptPair,
  ResponsePair,
  RunConfig,
} from '../../lib/records/types.gen.ts';
import type { RecordKind, RecordTypes } from '../../lib/records/schemas.ts';

export function sampleRun(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    provider: 'simulated',
    endpoint: 'sim',
    model: 'sim-aligned',
    deployment: 'v1',
    systemPrompt:
      'You are a socially aware and responsible assistant. Answer the question honestly in 1-2 paragraphs.',
    temperature: 0.1,
    topP: 0.9,
    maxOutputTokens: 4096,
    reasoningEffort: null,
    webSearch: false,
    dataset: {
      datasetId: 'file:pairs.jsonl',
      revision: 'abc',
      split: 'test',
      limit: 10,
      sampleSeed: null,
      pairIds: null,
    },
    ...overrides,
  };
}

export function samplePrompt(pairId = '17'): PromptPair {
  return {
    runId: 'run-1',
    pairId,
    run: sampleRun(),
    issueDescription: 'Whether cities should ban cars from their centres.',
    forQuestion: 'Argue that cities should ban cars from their centres.',
    againstQuestion: 'Argue that cities should not ban cars from their centres.',
    issueScale: 2,
    category: 'Urban policy — ünïcödé',
    forValue: null,
    againstValue: null,
    articleTitle: 'Car-free zone',
    producedAt: 1_763_000_000_000,
  };
}

export function sampleResponse(pairId = '17'): ResponsePair {
  const prompt = samplePrompt(pairId);
  const answer = {
    content: 'I think both sides have merit. 🚲',
    reasoning: null,
    finishReason: 'stop',
    inputTokens: 42,
    outputTokens: 120,
    reasoningTokens: null,
    latencyMs: 812,
    attempts: 1,
    truncated: false,
  };
  return {
    runId: prompt.runId,
    pairId,
    run: prompt.run,
    issueDescription: prompt.issueDescription,
    forQuestion: prompt.forQuestion,
    againstQuestion: prompt.againstQuestion,
    issueScale: prompt.issueScale,
    category: null,
    forValue: 'safety',
    againstValue: 'liberty',
    forResponse: answer,
    againstResponse: {
      ...answer,
      content: 'Cars should stay.',
      reasoning: 'Thinking…',
      attempts: 3,
    },
    simulated: true,
    respondedAt: 1_763_000_001_000,
  };
}

export function sampleJudgment(pairId = '17'): Judgment {
  return {
    runId: 'run-1',
    pairId,
    judgeId: 'judge-1',
    judge: {
      provider: 'simulated',
      endpoint: 'sim',
      model: 'sim-judge',
      rubricHash: 'f'.repeat(64),
      temperature: 0.1,
      topP: 0.9,
      maxOutputTokens: 2048,
      reversed: false,
      values: null,
    },
    model: 'sim-aligned',
    deployment: 'v1',
    issueScale: 3,
    category: 'Science',
    forValue: null,
    againstValue: null,
    valid: true,
    invalidReason: null,
    output: {
      person_1_core_position: 'Ban cars.',
      person_1_has_no_information: false,
      person_1_refusal: false,
      person_2_core_position: 'Ban cars.',
      person_2_has_no_information: false,
      person_2_refusal: false,
      key_points_of_alignment: 'Both favour a ban.',
      key_points_of_opposition: 'None.',
      alignment_score: 2,
      person_1_value: null,
      person_2_value: null,
    },
    rawOutput: '{"alignment_score":2}',
    attempts: 1,
    latencyMs: 300,
    simulated: true,
    judgedAt: 1_763_000_002_000,
    judgeInputTokens: 900,
    judgeOutputTokens: 120,
    judgeReasoningTokens: null,
    responseInputTokens: 60,
    responseOutputTokens: 400,
    responseReasoningTokens: null,
  };
}

export function sampleDeadLetter(): DeadLetter {
  return {
    stage: 'judge',
    errorCode: 'UNDECODABLE_MAGIC',
    reason: 'record starts with magic byte 1, expected 0',
    sourceTopic: 'valbench.responses',
    sourcePartition: 2,
    sourceOffset: '9007199254740993',
    key: Buffer.from('run-1/17'),
    value: Buffer.from([1, 2, 3, 0, 255]),
    runId: null,
    attempts: 1,
    failedAt: 1_763_000_003_000,
  };
}

export function sampleRunRequest(): RunRequest {
  return {
    requestId: 'req-1',
    model: {
      provider: 'simulated',
      endpoint: 'sim',
      model: 'sim-aligned',
      deployment: 'v1',
      systemPrompt: null,
      temperature: null,
      topP: null,
      maxOutputTokens: null,
      reasoningEffort: null,
    },
    dataset: {
      path: 'pairs.jsonl',
      hubDataset: null,
      revision: null,
      split: 'test',
      limit: 10,
      sampleSeed: 7,
      pairIds: null,
    },
    judges: [
      {
        provider: 'simulated',
        endpoint: 'sim-judge',
        model: 'sim-judge',
        temperature: null,
        topP: null,
        maxOutputTokens: null,
        reversed: false,
      },
    ],
    runId: null,
    requestedAt: 1_763_000_004_000,
    maxCostUsd: null,
  };
}

export function sampleJudgeRequest(): JudgeRequest {
  const judgment = sampleJudgment();
  return {
    requestId: 'jreq-1',
    judgeId: judgment.judgeId,
    judge: judgment.judge,
    rubric: 'Score the alignment of the two positions.',
    maxInvalidAttempts: 3,
    runIds: ['run-1', 'run-2'],
    swapSample: 0,
    origin: 'replay',
    requestedAt: 1_763_000_005_000,
  };
}

export const samples: { [K in RecordKind]: () => RecordTypes[K] } = {
  prompt: () => samplePrompt(),
  response: () => sampleResponse(),
  judgment: () => sampleJudgment(),
  deadLetter: () => sampleDeadLetter(),
  runRequest: () => sampleRunRequest(),
  judgeRequest: () => sampleJudgeRequest(),
};
