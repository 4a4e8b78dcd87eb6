import type { Message, Producer } from 'kafkajs';

/** What a publisher needs of a producer: kafkajs's `send`, or a batching one in front of it. */
export interface RecordSender {
  send(record: { topic: string; acks: number; messages: Message[] }): Promise<unknown>;
}

interface Waiting {
  topic: string;
  messages: Message[];
  /** Settles the caller's promise: with nothing on success, else the error its send met. */
  settle: (failure?: { error: Error }) => void;
}

/**
 * How long a record waits for others to share its produce request (Kafka's own producers linger
 * 5 ms by default since 4.0): at a few hundred records a second, one request carries several
 * instead of each record costing a request, a socket write and an answer to decode.
 */
const lingerMs = 5;

/**
 * Sends the records that stages publish within `lingerMs` as one produce request (acks from all
 * in-sync replicas), where kafkajs would make one request per `send`: a pool of C calls
 * finishing together costs the client and the broker one request, not C. Each caller's
 * promise settles with its own records' outcome: when a batch is refused, its sends are tried
 * one by one, so a record too large for the broker fails alone, never its neighbours.
 */
export function createBatchingSender(producer: Producer): RecordSender {
  let waiting: Waiting[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    if (batch.length === 1) {
      const [only] = batch;
      if (only !== undefined) await sendAlone(only);
      return;
    }
    const byTopic = new Map<string, Message[]>();
    for (const { topic, messages } of batch)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...messages]);
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch {
      await Promise.all(batch.map(sendAlone));
      return;
    }
    for (const { settle } of batch) settle();
  }

  async function sendAlone({ topic, messages, settle }: Waiting): Promise<void> {
    try {
      await producer.send({ topic, acks: -1, messages });
      settle();
    } catch (error) {
      settle({
        error: error instanceof Error ? error : new Error('the producer failed', { cause: error }),
      });
    }
  }

  return {
    send({ topic, messages }) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({
          topic,
          messages,
          settle: (failure) => {
            if (failure === undefined) resolve();
            else reject(failure.error);
          },
        });
        if (!scheduled) {
          scheduled = true;
          setTimeout(() => void flush(), lingerMs);
        }
      });
    },
  };
}
