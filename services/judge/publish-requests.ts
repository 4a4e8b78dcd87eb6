import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { JudgeRequest } from '../../lib/records/types.gen.ts';

/**
 * Puts judge requests on the judge-requests topic, keyed by request id (the same request asked
 * again is the same key: the judges serve it once, in the group named after it).
 */
export async function publishJudgeRequests(
  pipeline: Pipeline,
  requests: readonly JudgeRequest[],
): Promise<void> {
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  try {
    await createPublisher(
      producer,
      pipeline.codecs.judgeRequest,
      pipeline.names.judgeRequests,
    ).publish(requests.map((request) => ({ key: request.requestId, value: request })));
  } finally {
    await producer.disconnect();
  }
}
