import { hostname } from 'node:os';
import { createDeferred } from '../../lib/deferred.ts';
import { ValbenchError, messageOf } from '../../lib/errors.ts';
import { followTopic } from '../../lib/kafka/follow.ts';
import type { RunningStage, StageHealth } from '../../lib/kafka/stage.ts';
import type { JudgeRequest } from '../../lib/records/types.gen.ts';
import { judgeRequestProblem, startJudgeStage, type JudgeStageOptions } from './stage.ts';

/** A judge stage's options but the request: the judge service starts one per request. */
export type JudgeServiceOptions = Omit<JudgeStageOptions, 'request' | 'onProgress'>;

/** A long-running judge: a stage per judge request it serves, started as requests arrive. */
export interface JudgeService {
  readonly done: Promise<void>;
  stop(graceMs?: number): Promise<void>;
  health(): StageHealth;
  /** The request ids it serves so far. */
  serving(): string[];
}

/** The follower's group: one per process (every judge process reads every request). */
const followerGroup = (prefix: string, endpoint: string): string =>
  `${prefix}judge-requests-${endpoint}-${hostname()}-${process.pid}-${Date.now()}`;

/**
 * Serves judge requests for one endpoint, for good: it reads the judge-requests topic from the
 * beginning and follows it, and for each request whose judge is on this endpoint it runs a judge
 * stage (one consumer group per request, shared by every judge process of the endpoint, so
 * several processes split a request's pairs). Requests for other endpoints are someone else's.
 */
export async function serveJudgeRequests(options: JudgeServiceOptions): Promise<JudgeService> {
  const { pipeline, provider, logger } = options;
  const stages = new Map<string, RunningStage>();
  const failed = createDeferred();
  let stopping = false;
  let starting: Promise<void> = Promise.resolve();

  const serve = async (request: JudgeRequest): Promise<void> => {
    if (stopping || stages.has(request.requestId)) return;
    const problem = judgeRequestProblem(request);
    if (problem !== null) {
      logger.error({ judgeRequest: request.requestId }, `judge request refused: ${problem}`);
      return;
    }
    const stage = await startJudgeStage({ ...options, request });
    stages.set(request.requestId, stage);
    stage.done.catch((error: unknown) => {
      failed.reject(error);
    });
    logger.info(
      { judgeRequest: request.requestId, judgeId: request.judgeId, runs: request.runIds },
      'serving judge request',
    );
  };

  const follower = await followTopic({
    kafka: pipeline.kafka,
    groupId: followerGroup(pipeline.names.prefix, provider.endpoint),
    topic: pipeline.names.judgeRequests,
    onFatal: (error) => {
      failed.reject(error);
    },
    onSkipped: (error, partition, offset) => {
      logger.warn({ partition, offset, code: error.code }, 'undecodable judge request skipped');
    },
    onMessage: async (message) => {
      const request = await pipeline.codecs.judgeRequest.decode(message.value);
      if (
        request.judge.provider !== provider.provider ||
        request.judge.endpoint !== provider.endpoint
      )
        return;
      // One stage starts at a time, off the fetch loop: starting scans the judgments topic.
      starting = starting.then(() =>
        serve(request).catch((error: unknown) => {
          failed.reject(
            new ValbenchError(
              'fatal',
              'JUDGE_REQUEST_FAILED',
              `starting judge request ${request.requestId}: ${messageOf(error)}`,
              { cause: error },
            ),
          );
        }),
      );
    },
  });

  let stopped: Promise<void> | undefined;
  return {
    done: failed.promise,
    serving: () => [...stages.keys()],
    health() {
      if (!follower.consuming())
        return { consuming: false, reason: 'judge is not reading the judge-requests topic' };
      for (const stage of stages.values()) {
        const health = stage.health();
        if (!health.consuming) return health;
      }
      return { consuming: true, reason: `judge serving ${stages.size} judge requests` };
    },
    stop(graceMs = 30_000) {
      stopped ??= (async () => {
        stopping = true;
        await follower.stop();
        await starting;
        await Promise.all([...stages.values()].map((s) => s.stop(graceMs)));
        failed.resolve();
      })();
      return stopped;
    },
  };
}
