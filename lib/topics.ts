import type { TopicSpec } from './kafka/topics.ts';

/** The pipeline's topic names; a prefix lets several pipelines (or tests) share one cluster. */
export interface TopicNames {
  /** The prefix itself; consumer group names start with it too. */
  prefix: string;
  prompts: string;
  responses: string;
  judgments: string;
  deadLetters: string;
  /** Run requests (deploy hooks, `POST /runs`): one partition, in arrival order. */
  runRequests: string;
  /** Judge requests (judge configuration + run ids): every judge process reads all of them. */
  judgeRequests: string;
}

export function topicNames(prefix: string): TopicNames {
  return {
    prefix,
    prompts: `${prefix}prompts`,
    responses: `${prefix}responses`,
    judgments: `${prefix}judgments`,
    deadLetters: `${prefix}dead-letters`,
    runRequests: `${prefix}run-requests`,
    judgeRequests: `${prefix}judge-requests`,
  };
}

/**
 * Topic-level configs of every pipeline topic: records are kept for good. Responses are the
 * expensive asset (each one a paid model call), and prompts and judgments are what replays and
 * reports read. Unlimited retention rather than compaction: compaction keeps only the last record
 * per key, and a pair answered twice (after a crash, before its offset was committed) is two paid
 * answers that both belong in the log; the aggregator and replays count each key once anyway.
 */
export const keepForGood: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'retention.bytes': '-1',
};

/** Partitions bound consumer parallelism across processes; 6 suits up to 6 processes per stage. */
export function topicSpecs(
  names: TopicNames,
  partitions: number,
  replicationFactor = 1,
): TopicSpec[] {
  const configs = { ...keepForGood };
  return [
    { topic: names.prompts, partitions, replicationFactor, configs },
    { topic: names.responses, partitions, replicationFactor, configs },
    { topic: names.judgments, partitions, replicationFactor, configs },
    { topic: names.deadLetters, partitions: 1, replicationFactor, configs },
    { topic: names.runRequests, partitions: 1, replicationFactor, configs },
    { topic: names.judgeRequests, partitions: 1, replicationFactor, configs },
  ];
}
