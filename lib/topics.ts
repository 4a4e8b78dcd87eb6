import type { TopicSpec } from './kafka/topics.ts';

/** The pipeline's topic names; a prefix lets several pipelines (or tests) share one cluster. */
export interface TopicNames {
  /** The prefix itself; consumer group names start with it too. */
  prefix: string;
  prompts: string;
  responses: string;
  judgments: string;
  deadLetters: string;
}

export function topicNames(prefix: string): TopicNames {
  return {
    prefix,
    prompts: `${prefix}prompts`,
    responses: `${prefix}responses`,
    judgments: `${prefix}judgments`,
    deadLetters: `${prefix}dead-letters`,
  };
}

/** Partitions bound consumer parallelism across processes; 6 suits up to 6 processes per stage. */
export function topicSpecs(
  names: TopicNames,
  partitions: number,
  replicationFactor = 1,
): TopicSpec[] {
  return [
    { topic: names.prompts, partitions, replicationFactor },
    { topic: names.responses, partitions, replicationFactor },
    { topic: names.judgments, partitions, replicationFactor },
    { topic: names.deadLetters, partitions: 1, replicationFactor },
  ];
}
