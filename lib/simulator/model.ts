import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError } from '../errors.ts';
import type { ChatModel, ChatRequest, ChatResult } from '../llm/chat-model.ts';
import {
  answerMarker,
  behaviourFor,
  formatMarker,
  demonstratedValue,
  formatValueMarker,
  judgeMarkers,
  readMarker,
  readValueMarker,
  type AnswerMarker,
  type Profile,
  type ValueProfile,
} from './behaviour.ts';

/** Latency of a simulated call: fixed, or uniform between two bounds. */
export type Latency =
  { kind: 'fixed'; ms: number } | { kind: 'uniform'; minMs: number; maxMs: number };

/** Injected faults, each a probability per call. */
export interface Faults {
  rateLimit: number;
  /** retry-after of an injected 429, milliseconds. */
  retryAfterMs: number;
  serverError: number;
  timeout: number;
  /** For the judge role: output that is not valid JSON. */
  malformed: number;
}

export const noFaults: Faults = {
  rateLimit: 0,
  retryAfterMs: 100,
  serverError: 0,
  timeout: 0,
  malformed: 0,
};

export interface SimulatorOptions {
  profile: Profile;
  /** What values the simulated answers demonstrate (default none). */
  valueProfile?: ValueProfile;
  seed: number;
  latency: Latency;
  faults: Faults;
  random?: () => number;
}

export function latencyMs(latency: Latency, random: () => number): number {
  return latency.kind === 'fixed'
    ? latency.ms
    : latency.minMs + random() * (latency.maxMs - latency.minMs);
}

function answerText(marker: AnswerMarker): string {
  if (marker.refusal)
    return `I would rather not take a position on this question. ${formatMarker(marker)}`;
  if (marker.noInfo)
    return `I do not know enough about this issue to answer it. ${formatMarker(marker)}`;
  const hedge = marker.strength === 'mild' ? 'with some reservations, ' : '';
  return `(valbench simulator) On balance, ${hedge}I come down on the ${marker.conclusion} side of this issue. ${formatMarker(marker)}`;
}

/** What the simulated judge answers to a judge prompt: the rubric applied to the two markers. */
export function simulatedJudgeOutput(user: string): string {
  const p1 = user.indexOf("Person 1's response:");
  const p2 = user.indexOf("Person 2's response:");
  const m1 = p1 === -1 ? undefined : readMarker(user.slice(p1, p2 === -1 ? undefined : p2));
  const m2 = p2 === -1 ? undefined : readMarker(user.slice(p2));
  const v1 = p1 === -1 ? undefined : readValueMarker(user.slice(p1, p2 === -1 ? undefined : p2));
  const v2 = p2 === -1 ? undefined : readValueMarker(user.slice(p2));
  const unknown: AnswerMarker = {
    conclusion: 'none',
    strength: 'strong',
    refusal: false,
    noInfo: false,
  };
  const truth = judgeMarkers(m1 ?? unknown, m2 ?? unknown);
  const position = (m: AnswerMarker | undefined): string =>
    m === undefined
      ? 'not a simulator answer'
      : m.refusal
        ? 'refuses'
        : m.noInfo
          ? 'has no information'
          : `${m.conclusion} side`;
  return JSON.stringify({
    person_1_core_position: position(m1),
    person_1_has_no_information: truth.noInfo1,
    person_1_refusal: truth.refusal1,
    person_2_core_position: position(m2),
    person_2_has_no_information: truth.noInfo2,
    person_2_refusal: truth.refusal2,
    key_points_of_alignment: truth.score > 0 ? 'same conclusion (simulated judge)' : '',
    key_points_of_opposition: truth.score < 0 ? 'opposite conclusions (simulated judge)' : '',
    alignment_score: truth.score,
    // Read only by a judge asked for values; the value each answer says it demonstrates.
    person_1_value: v1 ?? 'none',
    person_2_value: v2 ?? 'none',
  });
}

/** Throws the fault the dice pick, if any. Shared by the in-process model and the HTTP server. */
export function injectFault(faults: Faults, random: () => number): void {
  if (random() < faults.rateLimit) {
    throw new ValbenchError('retriable', 'RATE_LIMITED', 'simulator: 429 rate limited', {
      status: 429,
      retryAfterMs: faults.retryAfterMs,
    });
  }
  if (random() < faults.serverError) {
    throw new ValbenchError('retriable', 'SERVER_ERROR', 'simulator: 503 server error', {
      status: 503,
    });
  }
  if (random() < faults.timeout) {
    throw new ValbenchError('retriable', 'TIMEOUT', 'simulator: request timed out');
  }
}

/** The reply of the simulator to one request, for either role (judge when a JSON schema is asked). */
export function simulatedReply(
  options: SimulatorOptions,
  request: Pick<ChatRequest, 'user' | 'jsonSchema' | 'simulation'> & { system?: string | null },
  random: () => number,
): ChatResult {
  const isJudge = request.jsonSchema !== undefined || request.simulation?.side === 'judge';
  let content: string;
  if (isJudge) {
    content =
      random() < options.faults.malformed
        ? '{"alignment_score": 2, "person_1'
        : simulatedJudgeOutput(request.user);
  } else {
    const side = request.simulation?.side === 'against' ? 'against' : 'for';
    const key = request.simulation?.key ?? request.user;
    content = answerText(answerMarker(behaviourFor(options.profile, options.seed, key), side));
    const asked = request.simulation?.values;
    const shown =
      asked === undefined ? null : demonstratedValue(options.valueProfile ?? 'none', side, asked);
    if (shown !== null) content = `${content} ${formatValueMarker(shown)}`;
  }
  return {
    content,
    reasoning: null,
    finishReason: 'stop',
    // Simulated usage, plausible for cost estimates: about 4 characters per token of what was
    // sent (system prompt and user turn) and of what was answered.
    inputTokens: Math.ceil(((request.system ?? '').length + request.user.length) / 4),
    outputTokens: Math.ceil(content.length / 4),
    reasoningTokens: null,
  };
}

/** The in-process simulated provider. */
export function createSimulatedModel(options: SimulatorOptions): ChatModel {
  const random = options.random ?? Math.random;
  return {
    label: `simulated/${options.profile}`,
    simulated: true,
    async complete(request, signal) {
      const delay = latencyMs(options.latency, random);
      if (delay > 0) await sleep(delay, undefined, { signal });
      injectFault(options.faults, random);
      return simulatedReply(options, request, random);
    },
  };
}
