import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The metrics every stage reports, on the process's one registry. Labels are bounded: stage,
 * outcome, error code, model label: never a prompt, a pair id or an error message.
 */
export interface StageMetrics {
  records: Counter<'stage' | 'outcome'>;
  deadLetters: Counter<'stage' | 'code'>;
  inFlight: Gauge<'stage'>;
  concurrencyLimit: Gauge<'stage'>;
  modelCalls: Counter<'stage' | 'model' | 'outcome'>;
  modelCallSeconds: Histogram<'stage' | 'model'>;
  retries: Counter<'stage' | 'code'>;
  truncatedAnswers: Counter<'stage' | 'model'>;
  tokens: Counter<'stage' | 'model' | 'kind'>;
  costUsd: Counter<'stage' | 'model' | 'run'>;
  consumerLag: Gauge<'stage' | 'group' | 'topic' | 'partition'>;
}

const cache = new WeakMap<Registry, StageMetrics>();

export function stageMetrics(registry: Registry): StageMetrics {
  const existing = cache.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: StageMetrics = {
    records: new Counter({
      name: 'valbench_stage_records_total',
      help: 'Records a stage finished, by outcome (ok, dead_lettered).',
      labelNames: ['stage', 'outcome'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'valbench_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by stage and error code.',
      labelNames: ['stage', 'code'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'valbench_stage_in_flight',
      help: "Model calls in flight (each holding one of the pool's call slots).",
      labelNames: ['stage'],
      registers,
    }),
    concurrencyLimit: new Gauge({
      name: 'valbench_stage_concurrency_limit',
      help: 'Current adaptive limit on records in flight.',
      labelNames: ['stage'],
      registers,
    }),
    modelCalls: new Counter({
      name: 'valbench_model_calls_total',
      help: 'Model calls, by outcome (ok, rate_limited, retriable_error, failed, preempted: aborted to give its slot to another partition, and made again).',
      labelNames: ['stage', 'model', 'outcome'],
      registers,
    }),
    modelCallSeconds: new Histogram({
      name: 'valbench_model_call_duration_seconds',
      help: 'Wall time of successful model calls.',
      labelNames: ['stage', 'model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    retries: new Counter({
      name: 'valbench_model_call_retries_total',
      help: 'Retried model calls, by error code.',
      labelNames: ['stage', 'code'],
      registers,
    }),
    truncatedAnswers: new Counter({
      name: 'valbench_truncated_answers_total',
      help: 'Answers kept although generation stopped at the token limit (flagged truncated).',
      labelNames: ['stage', 'model'],
      registers,
    }),
    tokens: new Counter({
      name: 'valbench_model_tokens_total',
      help: 'Tokens the provider reported for successful model calls, by kind (input, output, reasoning).',
      labelNames: ['stage', 'model', 'kind'],
      registers,
    }),
    costUsd: new Counter({
      name: 'valbench_cost_usd_total',
      help: 'USD the successful model calls cost at the price table (prices/models.json or --prices), by stage, model and run; calls of a model with no price are not counted.',
      labelNames: ['stage', 'model', 'run'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'valbench_consumer_lag_records',
      help: "Records on a partition past the group's committed offset (end offset minus committed).",
      labelNames: ['stage', 'group', 'topic', 'partition'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
