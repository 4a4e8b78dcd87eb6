import type { ChatRequest } from './chat-model.ts';

/** Header names of the simulator hint: which pair and side a call is for. */
export const simulationKeyHeader = 'x-valbench-sim-key';
export const simulationSideHeader = 'x-valbench-sim-side';
export const simulationValuesHeader = 'x-valbench-sim-values';

/**
 * The hint headers, sent only when the endpoint is the valbench simulator server (opt-in): they
 * let it behave per pair as its profile says. A real provider never receives them.
 */
export function simulationHeaders(enabled: boolean, request: ChatRequest): Record<string, string> {
  if (!enabled || request.simulation === undefined) return {};
  const values = request.simulation.values;
  return {
    [simulationKeyHeader]: encodeURIComponent(request.simulation.key),
    [simulationSideHeader]: request.simulation.side,
    ...(values === undefined
      ? {}
      : { [simulationValuesHeader]: encodeURIComponent(JSON.stringify(values)) }),
  };
}
