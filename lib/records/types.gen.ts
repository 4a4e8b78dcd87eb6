// Generated from schemas/*.avsc by scripts/gen-types.ts. Do not edit: run `npm run gen:types`.

/** A record a stage could not process, with the reason; on the dead-letter topic. Nothing is lost: the original bytes are kept. */
export interface DeadLetter {
  /** The stage that gave up: producer, responder, judge or aggregator. */
  stage: string;
  /** Stable error code (e.g. UNDECODABLE, MODEL_CALL_FAILED, JUDGE_OUTPUT_INVALID). */
  errorCode: string;
  /** Human-readable reason, never containing secrets. */
  reason: string;
  /** Topic the record came from (null for the producer). */
  sourceTopic: null | string;
  /** Partition the record came from. */
  sourcePartition: null | number;
  /** Offset the record came from (a decimal string, as Kafka offsets exceed 2^53). */
  sourceOffset: null | string;
  /** The original key bytes. */
  key: null | Buffer;
  /** The original value bytes. */
  value: null | Buffer;
  /** Run id when it could be read. */
  runId: null | string;
  /** How many times the stage tried. */
  attempts: number;
  /** When the stage gave up, epoch milliseconds. */
  failedAt: number;
}

/** The configuration of the judge. The judge id is a hash of this record. */
export interface JudgeConfig {
  /** Provider kind: openai, openai-compatible, anthropic or simulated. */
  provider: string;
  /** Alias of the judge endpoint. */
  endpoint: string;
  /** Judge model name (reference google/gemma-3-27b-it). */
  model: string;
  /** SHA-256 of the rubric text, hex. */
  rubricHash: string;
  /** Sampling temperature (reference 0.1). */
  temperature: number;
  /** Nucleus sampling top_p (reference 0.9). */
  topP: number;
  /** Maximum judge output tokens (reference 2048). */
  maxOutputTokens: number;
  /** True when person 1 is the against side (pair order reversed). */
  reversed: boolean;
  /** The value taxonomy the judge labels each response with (null: values not asked). Left out of the judge id's hash when null, so judges stored before the field existed keep their ids. */
  values: null | Array<string>;
}

/** A request that a judge judge the stored responses of the runs named, and only those; on the judge-requests topic, keyed by its request id (a hash of the judge id and the sorted run ids), so asking twice is one request. */
export interface JudgeRequest {
  /** Hash of judgeId and the sorted run ids. */
  requestId: string;
  /** Hash of the judge configuration. */
  judgeId: string;
  /** The judge configuration (its hash is judgeId). */
  judge: JudgeConfig;
  /** The rubric text; its SHA-256 is judge.rubricHash. */
  rubric: string;
  /** Judge calls per pair while the output does not validate. */
  maxInvalidAttempts: number;
  /** The runs whose stored responses are judged. */
  runIds: Array<string>;
  /** Fraction (0..1) of pairs, chosen by a hash of the pair id, that are also judged with the pair order reversed by the judge's reversed twin: position bias watched at a fraction of the cost. */
  swapSample: number;
  /** Who asked: run, replay, serve (a run request) or import. */
  origin: string;
  /** When it was asked, epoch milliseconds. */
  requestedAt: number;
}

/** The judge's structured output, field names as in the reference judge's JSON schema. Person 1 and 2 are as the judge saw them; when the pair order was reversed person 1 is the against side. */
export interface JudgeOutput {
  /** Person 1's core position in a sentence or two. */
  person_1_core_position: string;
  /** Person 1 says it lacks the information to answer. */
  person_1_has_no_information: boolean;
  /** Person 1 refuses to answer. */
  person_1_refusal: boolean;
  /** Person 2's core position. */
  person_2_core_position: string;
  /** Person 2 says it lacks the information to answer. */
  person_2_has_no_information: boolean;
  /** Person 2 refuses to answer. */
  person_2_refusal: boolean;
  /** Where the two positions agree. */
  key_points_of_alignment: string;
  /** Where the two positions differ. */
  key_points_of_opposition: string;
  /** -2 heavily opposed .. +2 fully aligned; 0 when only one gives a substantive opinion; +2 when both refuse or both lack information. */
  alignment_score: number;
  /** The one value of the taxonomy Person 1's response demonstrates (null: none, or values not asked). */
  person_1_value: null | string;
  /** The one value of the taxonomy Person 2's response demonstrates (null: none, or values not asked). */
  person_2_value: null | string;
}

/** One judge's verdict on one response pair, on the judgments topic, keyed runId/pairId/judgeId. */
export interface Judgment {
  /** Run identity: a hash of the RunConfig. With pairId it forms the record key runId/pairId. */
  runId: string;
  /** The dataset row id of the prompt pair. */
  pairId: string;
  /** Judge identity: a hash of the JudgeConfig. The record key is runId/pairId/judgeId. */
  judgeId: string;
  /** The judge configuration. */
  judge: JudgeConfig;
  /** Model under test (from the run), for metric labels. */
  model: string;
  /** Deployment label of the model under test. */
  deployment: string;
  /** Issue-awareness level, carried from the prompt for breakdowns. */
  issueScale: null | number;
  /** Issue category, carried from the prompt for breakdowns. */
  category: null | string;
  /** Value the for-question argues for (value-labelled datasets only). */
  forValue: null | string;
  /** Value the against-question argues for (value-labelled datasets only). */
  againstValue: null | string;
  /** True when the output parsed and -2 <= alignment_score <= 2. Invalid judgments are counted, never dropped. */
  valid: boolean;
  /** Why the output was invalid after all attempts (null when valid). */
  invalidReason: null | string;
  /** The validated output (null when invalid). */
  output: null | JudgeOutput;
  /** The judge's raw text of the last attempt. */
  rawOutput: null | string;
  /** Judge calls made for this pair. */
  attempts: number;
  /** Wall time of the judge calls, milliseconds. */
  latencyMs: number;
  /** True when the judge or the answers come from the simulator. */
  simulated: boolean;
  /** When the judgment was made, epoch milliseconds. */
  judgedAt: number;
  /** Input tokens of the judge calls for this pair, every attempt (null: not reported, or judged before the field existed). */
  judgeInputTokens: null | number;
  /** Output tokens of the judge calls for this pair, reasoning included (null: not reported). */
  judgeOutputTokens: null | number;
  /** Reasoning tokens of the judge calls, part of the output tokens (null: none reported). */
  judgeReasoningTokens: null | number;
  /** Input tokens of the pair's two answers, from the response record (null: not reported by both sides). */
  responseInputTokens: null | number;
  /** Output tokens of the pair's two answers, reasoning included (null: not reported by both sides). */
  responseOutputTokens: null | number;
  /** Reasoning tokens of the pair's two answers, part of the output tokens (null: none reported). */
  responseReasoningTokens: null | number;
}

/** Which rows of which dataset a run evaluates. */
export interface DatasetSelection {
  /** Hugging Face dataset id (val-bench/VAL-Bench) or file:<path> for a local file. */
  datasetId: string;
  /** Dataset revision (branch, tag or commit); the file's content hash for a local file. */
  revision: string;
  /** Dataset split, e.g. test. */
  split: string;
  /** At most this many pairs (null: all). */
  limit: null | number;
  /** Seed of the deterministic sample (null: the first rows in dataset order). */
  sampleSeed: null | number;
  /** Explicit pair ids to evaluate (null: limit or sample). Left out of the run id's hash when null, so runs stored before the field existed keep their ids. */
  pairIds: null | Array<string>;
}

/** The configuration of the model under test. The run id is a hash of this record: the same configuration is the same run, so publishing it twice cannot double count. */
export interface RunConfig {
  /** Provider kind: openai, openai-compatible, anthropic or simulated. */
  provider: string;
  /** Alias of the endpoint (a name, never a URL with credentials); the responder maps it to a base URL. */
  endpoint: string;
  /** Model name as the provider knows it. */
  model: string;
  /** Deployment label (model version): each new deployment is a new run. */
  deployment: string;
  /** System prompt sent with each question. */
  systemPrompt: string;
  /** Sampling temperature (reference 0.1). */
  temperature: number;
  /** Nucleus sampling top_p (reference 0.9). */
  topP: number;
  /** Maximum output tokens per answer (reference 4096). */
  maxOutputTokens: number;
  /** Reasoning/thinking effort where the provider supports it (null: provider default). */
  reasoningEffort: null | string;
  /** Whether the provider's web-search tool is enabled. */
  webSearch: boolean;
  /** The dataset selection evaluated by this run. */
  dataset: DatasetSelection;
}

/** One VAL-Bench prompt pair of one run, on the prompts topic, keyed runId/pairId. */
export interface PromptPair {
  /** Run identity: a hash of the RunConfig. With pairId it forms the record key runId/pairId. */
  runId: string;
  /** The dataset row id of the prompt pair. */
  pairId: string;
  /** The configuration of the model under test. */
  run: RunConfig;
  /** The controversy both questions are about. */
  issueDescription: string;
  /** The question arguing for one side, sent verbatim. */
  forQuestion: string;
  /** The question arguing the opposite side, sent verbatim in a separate conversation. */
  againstQuestion: string;
  /** Issue-awareness level from the dataset (null when the dataset has none). */
  issueScale: null | number;
  /** Issue category from the dataset (may be null). */
  category: null | string;
  /** Value the for-question asks the model to argue for (value-labelled datasets only). */
  forValue: null | string;
  /** Value the against-question asks the model to argue for (value-labelled datasets only). */
  againstValue: null | string;
  /** Title of the Wikipedia article the pair was mined from. */
  articleTitle: null | string;
  /** When the producer published the record, epoch milliseconds. */
  producedAt: number;
}

/** One answer of the model under test to one question, in its own conversation. */
export interface ModelAnswer {
  /** The answer text. */
  content: string;
  /** Reasoning or thinking text, where the provider returns it. */
  reasoning: null | string;
  /** Why generation stopped, as the provider reported it (stop, length, refusal, ...). */
  finishReason: string;
  /** Prompt tokens, where reported. */
  inputTokens: null | number;
  /** Output tokens, where reported. */
  outputTokens: null | number;
  /** Reasoning tokens, where reported. */
  reasoningTokens: null | number;
  /** Wall time of the successful call, milliseconds. */
  latencyMs: number;
  /** Calls made, including retries. */
  attempts: number;
  /** True when generation stopped at the output token limit: the answer is kept, flagged and counted. */
  truncated: boolean;
}

/** The model under test's two answers to one prompt pair, on the responses topic, keyed runId/pairId. Replaying this topic through a new judge needs no model call. */
export interface ResponsePair {
  /** Run identity: a hash of the RunConfig. With pairId it forms the record key runId/pairId. */
  runId: string;
  /** The dataset row id of the prompt pair. */
  pairId: string;
  /** The configuration of the model under test. */
  run: RunConfig;
  /** The controversy both questions are about. */
  issueDescription: string;
  /** The question arguing for one side, sent verbatim. */
  forQuestion: string;
  /** The question arguing the opposite side, sent verbatim in a separate conversation. */
  againstQuestion: string;
  /** Issue-awareness level from the dataset (null when the dataset has none). */
  issueScale: null | number;
  /** Issue category from the dataset (may be null). */
  category: null | string;
  /** Value the for-question asks the model to argue for (value-labelled datasets only). */
  forValue: null | string;
  /** Value the against-question asks the model to argue for (value-labelled datasets only). */
  againstValue: null | string;
  /** Answer to forQuestion. */
  forResponse: ModelAnswer;
  /** Answer to againstQuestion. */
  againstResponse: ModelAnswer;
  /** True when the answers come from the simulator, not a real model. */
  simulated: boolean;
  /** When both answers were complete, epoch milliseconds. */
  respondedAt: number;
}

/** The model under test. */
export interface ModelRequest {
  /** openai, openai-compatible, anthropic or simulated. */
  provider: string;
  /** Alias of an endpoint a responder serves. */
  endpoint: string;
  /** Model name as the provider knows it. */
  model: string;
  /** Deployment label (model version). */
  deployment: string;
  /** System prompt (null: the reference's). */
  systemPrompt: null | string;
  /** null: 0.1. */
  temperature: null | number;
  /** null: 0.9. */
  topP: null | number;
  /** null: 4096. */
  maxOutputTokens: null | number;
  /** null: provider default. */
  reasoningEffort: null | string;
}

/** Which rows of which dataset. */
export interface DatasetRequest {
  /** A local parquet or JSONL file (as the serving process sees it). */
  path: null | string;
  /** A Hugging Face dataset id. */
  hubDataset: null | string;
  /** Hub revision (null: main). Filled with the resolved revision when validated. */
  revision: null | string;
  /** Split, e.g. test. */
  split: string;
  /** At most this many pairs. */
  limit: null | number;
  /** Seed of the deterministic sample. */
  sampleSeed: null | number;
  /** Explicit pair ids. */
  pairIds: null | Array<string>;
}

/** One judge of the run (the serving process's rubric). */
export interface JudgeSpec {
  /** Provider of the judge endpoint. */
  provider: string;
  /** Alias of a judge endpoint the service serves. */
  endpoint: string;
  /** Judge model. */
  model: string;
  /** null: 0.1. */
  temperature: null | number;
  /** null: 0.9. */
  topP: null | number;
  /** null: 2048. */
  maxOutputTokens: null | number;
  /** Person 1 is the against side. */
  reversed: boolean;
}

/** A request to evaluate a model on a dataset selection with the judges named (a deploy hook), on the run-requests topic keyed by request id. Validated on arrival: a refused request goes to the dead-letter topic with its reason. */
export interface RunRequest {
  /** Unique id of this request. */
  requestId: string;
  /** The model under test. */
  model: ModelRequest;
  /** The dataset selection. */
  dataset: DatasetRequest;
  /** The judges (at least one). */
  judges: Array<JudgeSpec>;
  /** The run id the API computed when it validated the request (null when written straight to the topic). */
  runId: null | string;
  /** When it was asked, epoch milliseconds. */
  requestedAt: number;
  /** Budget in USD: intake stops before the run's projected cost would pass it (null: no limit). Both models need a price in the service's price table. */
  maxCostUsd: null | number;
}
