/**
 * Reads the prompts, responses and judgments topics of a chaos run as they grow and remembers
 * where each pair's records are: enough to see a pair skipped (its input committed past with no
 * output) or vanished (its records gone from the log), and to check each judgment at the end.
 * The topics of a chaos run hold that run only, so every key is one of its pairs.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { TopicNames } from '../../../lib/topics.ts';

/** Where one record of a pair is, and when the watcher first saw it. */
export interface Located {
  partition: number;
  offset: number;
  at: number;
}

export interface TopicView {
  readonly topic: string;
  /** Each pair's records, in the order seen. */
  readonly pairs: Map<string, Located[]>;
  /** The next offset to read in each partition: everything below it has been seen. */
  readonly next: Map<number, number>;
}

export interface TopicWatcher {
  readonly prompts: TopicView;
  readonly responses: TopicView;
  readonly judgments: TopicView;
  /** The raw value of every judgment record, by pair, with when the watcher saw it. */
  readonly judgmentValues: Map<string, { at: number; value: Buffer }[]>;
  stop(): Promise<void>;
}

function view(topic: string): TopicView {
  return { topic, pairs: new Map(), next: new Map() };
}

/** The pair id of a key: runId/pairId for prompts and responses, runId/pairId/judgeId for judgments. */
function pairOf(key: string): string {
  return key.split('/')[1] ?? key;
}

export async function watchTopics(
  kafka: Kafka,
  names: TopicNames,
  group: string,
): Promise<TopicWatcher> {
  const views = [view(names.prompts), view(names.responses), view(names.judgments)] as const;
  const [prompts, responses, judgments] = views;
  const judgmentValues = new Map<string, { at: number; value: Buffer }[]>();
  let consumer: Consumer | undefined;
  let stopped = false;

  const record = (v: TopicView, partition: number, offset: number, key: string): boolean => {
    if (offset < (v.next.get(partition) ?? 0)) return false;
    v.next.set(partition, offset + 1);
    const pair = pairOf(key);
    const list = v.pairs.get(pair) ?? [];
    list.push({ partition, offset, at: Date.now() });
    v.pairs.set(pair, list);
    return true;
  };

  const start = async (): Promise<void> => {
    const mine = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
    consumer = mine;
    // A crash that kafkajs does not restart by itself (the broker gone too long): start anew;
    // the offsets already seen are skipped, so reading again is harmless.
    mine.on(mine.events.CRASH, (event) => {
      if (event.payload.restart || stopped) return;
      void mine.disconnect().finally(() => {
        if (!stopped) void start().catch(() => undefined);
      });
    });
    await mine.connect();
    await mine.subscribe({ topics: views.map((v) => v.topic), fromBeginning: true });
    await mine.run({
      autoCommit: false,
      eachMessage: ({ topic, partition, message }) => {
        const v = views.find((candidate) => candidate.topic === topic);
        const key = message.key?.toString() ?? '';
        const fresh = v !== undefined && record(v, partition, Number(message.offset), key);
        if (fresh && v === judgments && message.value !== null) {
          const values = judgmentValues.get(pairOf(key)) ?? [];
          values.push({ at: Date.now(), value: message.value });
          judgmentValues.set(pairOf(key), values);
        }
        return Promise.resolve();
      },
    });
  };
  await start();
  return {
    prompts,
    responses,
    judgments,
    judgmentValues,
    async stop() {
      stopped = true;
      await consumer?.disconnect();
    },
  };
}
