/* eslint-disable @typescript-eslint/no-deprecated -- the classic dashboard JSON (v1) is what Grafana 12.1's file provisioning reads; the SDK's dashboardv2 needs the v2 API and feature flags. */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { figures, labelVariable, lines } from './panels.ts';

const stage = 'stage=~"$stage"';
const calls = 'stage=~"$stage", model=~"$model"';
const rate = (metric: string, matchers: string): string =>
  `rate(${metric}{${matchers}}[$__rate_interval])`;
const quantile = (q: number): string =>
  `histogram_quantile(${q}, sum by (stage, le) (${rate('valbench_model_call_duration_seconds_bucket', calls)}))`;

/**
 * Pipeline: the stages' own metrics (lib/metrics.ts): model calls, latency, concurrency, retries,
 * dead letters, consumer lag and tokens, and whether Prometheus reaches each process.
 */
export function pipelineDashboard(): DashboardBuilder {
  return new DashboardBuilder('VAL-Bench · Pipeline')
    .uid('valbench-pipeline')
    .description('Model calls, latency, concurrency, retries, dead letters, lag and tokens.')
    .tags(['valbench', 'generated'])
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(labelVariable('stage', 'Stage', 'valbench_stage_concurrency_limit'))
    .withVariable(labelVariable('model', 'Model', 'valbench_model_calls_total', stage))
    .withRow(new RowBuilder('Model calls'))
    .withPanel(
      lines(
        {
          title: 'Model calls per second by stage and outcome',
          description:
            'ok, rate_limited (429), retriable_error, failed (dead-lettered), preempted (aborted for another partition, made again).',
          unit: 'reqps',
        },
        [
          {
            expr: `sum by (stage, outcome) (${rate('valbench_model_calls_total', calls)})`,
            legend: '{{stage}} {{outcome}}',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Latency quantiles of successful calls',
          description: 'p50, p95 and p99 of model call wall time.',
          unit: 's',
        },
        [
          { expr: quantile(0.5), legend: '{{stage}} p50' },
          { expr: quantile(0.95), legend: '{{stage}} p95' },
          { expr: quantile(0.99), legend: '{{stage}} p99' },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'In flight against the adaptive limit',
          description: 'Records being processed and the current adaptive concurrency limit.',
          unit: 'short',
        },
        [
          { expr: `valbench_stage_in_flight{${stage}}`, legend: '{{stage}} in flight' },
          { expr: `valbench_stage_concurrency_limit{${stage}}`, legend: '{{stage}} limit' },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Retries and 429 back-off',
          description: 'Retried calls per second by error code, and calls answered 429.',
          unit: 'reqps',
        },
        [
          {
            expr: `sum by (stage, code) (${rate('valbench_model_call_retries_total', stage)})`,
            legend: '{{stage}} retry {{code}}',
          },
          {
            expr: `sum by (stage) (${rate('valbench_model_calls_total', `${calls}, outcome="rate_limited"`)})`,
            legend: '{{stage}} 429',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Tokens per second',
          description: 'Tokens the provider reported, by kind (input, output, reasoning).',
          unit: 'short',
        },
        [
          {
            expr: `sum by (stage, kind) (${rate('valbench_model_tokens_total', calls)})`,
            legend: '{{stage}} {{kind}}',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Truncated answers',
          description: 'Answers kept although generation stopped at the token limit.',
          unit: 'short',
        },
        [
          {
            expr: `sum by (stage, model) (valbench_truncated_answers_total{${calls}})`,
            legend: '{{stage}} {{model}}',
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Records and Kafka'))
    .withPanel(
      lines(
        {
          title: 'Records finished per second',
          description: 'Records each stage finished, ok or dead-lettered.',
          unit: 'reqps',
        },
        [
          {
            expr: `sum by (stage, outcome) (${rate('valbench_stage_records_total', stage)})`,
            legend: '{{stage}} {{outcome}}',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Dead letters',
          description: 'Records sent to the dead-letter topic so far, by stage and error code.',
          unit: 'short',
        },
        [
          {
            expr: `sum by (stage, code) (valbench_dead_letters_total{${stage}})`,
            legend: '{{stage}} {{code}}',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Consumer lag per group',
          description:
            "Records past each group's committed offset, summed over the topic's partitions.",
          unit: 'short',
        },
        [
          {
            expr: `sum by (group, topic) (valbench_consumer_lag_records{${stage}})`,
            legend: '{{group}} on {{topic}}',
          },
        ],
      ),
    )
    .withPanel(
      figures(
        {
          title: 'Processes up',
          description: 'Whether Prometheus scrapes each VAL-Bench process (1 up, 0 down).',
          unit: 'short',
          width: 8,
        },
        [{ expr: 'up{job=~"valbench.*"}', legend: '{{job}} {{instance}}' }],
      ),
    )
    .withPanel(
      figures(
        {
          title: 'Undecodable judgments',
          description: 'Judgment records the aggregator could not decode (skipped).',
          unit: 'short',
          width: 4,
        },
        [{ expr: 'sum(valbench_aggregator_undecodable_total)', legend: 'undecodable' }],
      ),
    );
}
