import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValbenchError, messageOf } from '../../lib/errors.ts';
import type { ExtraRoutes } from '../../lib/metrics-server.ts';
import type { Logger } from '../../lib/log.ts';
import type { RunRequest } from '../../lib/records/types.gen.ts';
import { redactSecrets } from '../../lib/secrets.ts';
import type { Rubric } from '../judge/prompt.ts';
import { planRun } from '../producer/intake.ts';
import {
  parseRunRequest,
  unservedProblems,
  type ServedEndpoints,
} from '../producer/run-request.ts';
import { hasBearer } from './auth.ts';
import { BodyError, readJsonBody } from './body.ts';
import type { RunRegistry } from './runs.ts';

export interface RunsApiOptions {
  registry: RunRegistry;
  served: ServedEndpoints;
  rubric: Rubric;
  /** Puts an accepted request on the run-requests topic (the intake runs it). */
  publish: (request: RunRequest) => Promise<void>;
  /** Required as a bearer token on every /runs route when set (any non-loopback address). */
  token: string | null;
  logger: Logger;
  /** Request bodies over this many bytes are refused (413). */
  bodyLimit?: number;
}

const json = (response: ServerResponse, status: number, body: unknown): true => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
  return true;
};

/**
 * The run API a deploy hook calls: `POST /runs` (validated on arrival: fields, endpoints served
 * here, the dataset readable; the same run asked again starts nothing), `GET /runs` and
 * `GET /runs/<id>` (state, progress, each judge's metrics).
 */
export function runsApi(options: RunsApiOptions): ExtraRoutes {
  const { registry, served, logger } = options;
  const limit = options.bodyLimit ?? 64 * 1024;
  const accepted = new Set<string>();

  async function post(request: IncomingMessage, response: ServerResponse): Promise<true> {
    let body: unknown;
    try {
      body = await readJsonBody(request, limit);
    } catch (error) {
      if (error instanceof BodyError) {
        if (error.status === 413) response.setHeader('connection', 'close');
        return json(response, error.status, { error: error.message });
      }
      throw error;
    }
    const parsed = parseRunRequest(body);
    if ('problems' in parsed)
      return json(response, 400, { error: 'invalid run request', problems: parsed.problems });
    const unserved = unservedProblems(parsed, served);
    if (unserved.length > 0)
      return json(response, 422, { error: 'run request cannot run here', problems: unserved });
    let plan: Awaited<ReturnType<typeof planRun>>;
    try {
      plan = await planRun(parsed, served, options.rubric);
    } catch (error) {
      if (isValbenchError(error) && error.kind === 'poison')
        return json(response, 422, {
          error: 'run request cannot run here',
          problems: [redactSecrets(error.message)],
        });
      throw error;
    }
    const { runId } = plan;
    const location = `/runs/${runId}`;
    // A run refused by the intake (e.g. its dataset changed) may be asked again.
    if (registry.run(runId)?.state === 'refused') accepted.delete(runId);
    if (accepted.has(runId) || registry.known(runId)) {
      response.setHeader('location', location);
      return json(response, 200, {
        runId,
        existing: true,
        run: registry.run(runId),
        message: 'this run was requested before: nothing new started',
      });
    }
    const record: RunRequest = { ...parsed, runId };
    await options.publish(record);
    accepted.add(runId);
    logger.info(
      { runId, requestId: record.requestId, pairs: plan.dataset.pairIds.size },
      'run requested',
    );
    response.setHeader('location', location);
    return json(response, 202, {
      runId,
      requestId: record.requestId,
      pairs: plan.dataset.pairIds.size,
      judges: plan.judgeRequests.map((j) => j.judgeId),
      state: 'requested',
      url: location,
    });
  }

  return async (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/runs' && !path.startsWith('/runs/')) return false;
    if (options.token !== null && !hasBearer(request.headers.authorization, options.token)) {
      response.setHeader('www-authenticate', 'Bearer');
      return json(response, 401, { error: 'a bearer token is required' });
    }
    try {
      if (path === '/runs' && request.method === 'POST') return await post(request, response);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', path === '/runs' ? 'GET, POST' : 'GET');
        return json(response, 405, { error: `${request.method ?? ''} not allowed on ${path}` });
      }
      if (path === '/runs') return json(response, 200, { runs: registry.list() });
      const id = decodeURIComponent(path.slice('/runs/'.length));
      const run = registry.run(id);
      if (run !== null) return json(response, 200, run);
      const pending = registry.request(id);
      if (pending !== null) return json(response, 200, { requestId: id, ...pending });
      if (accepted.has(id))
        return json(response, 200, { runId: id, state: 'requested', pairs: 0, judges: [] });
      return json(response, 404, { error: `no run or request ${id}` });
    } catch (error) {
      logger.error({ err: error }, 'run API request failed');
      return json(response, 500, { error: redactSecrets(messageOf(error)) });
    }
  };
}
