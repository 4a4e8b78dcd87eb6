/**
 * The pieces every dashboard is built from, with Grafana's foundation SDK: the provisioned
 * Prometheus datasource, query variables chained on the VAL-Bench labels, and the few panel
 * kinds the dashboards use. Every query goes through `query`, so the dashboards' PromQL is all
 * in the generated JSON the e2e test runs against a real Prometheus.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The datasource docker-compose provisions (deploy/grafana/provisioning/datasources). */
export const datasource = { type: 'prometheus', uid: 'prometheus' };

/** A PromQL target; `legend` uses Grafana's {{label}} syntax. */
export interface Target {
  expr: string;
  legend: string;
}

function query(target: Target, refId: string, instant: boolean): DataqueryBuilder {
  const q = new DataqueryBuilder()
    .datasource(datasource)
    .refId(refId)
    .expr(target.expr)
    .legendFormat(target.legend);
  return instant ? q.instant() : q.range();
}

const refIds = 'ABCDEFGH';
const refId = (i: number): string => refIds[i] ?? `Q${i}`;

/**
 * A multi-value variable over one label of one metric, narrowed by the variables before it
 * (`filter`, a PromQL label-matcher list), "All" by default.
 */
export function labelVariable(
  name: string,
  label: string,
  metric: string,
  filter = '',
): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(datasource)
    .query(`label_values(${metric}${filter === '' ? '' : `{${filter}}`}, ${name})`)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/**
 * Variables over labels of one metric, each narrowed by the ones before it (model → deployment →
 * judge → run): the dashboards' filters, in order.
 */
export function cascadingVariables(
  metric: string,
  variables: readonly (readonly [name: string, label: string])[],
): QueryVariableBuilder[] {
  return variables.map(([name, label], i) =>
    labelVariable(
      name,
      label,
      metric,
      variables
        .slice(0, i)
        .map(([before]) => `${before}=~"$${before}"`)
        .join(', '),
    ),
  );
}

interface PanelText {
  title: string;
  description: string;
  unit: string;
  width?: number;
}

/** A time series panel: one line per series of each target. */
export function lines(text: PanelText, targets: Target[]): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(datasource)
    .unit(text.unit)
    .span(text.width ?? 12)
    .height(8)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['lastNotNull']),
    );
  targets.forEach((t, i) => panel.withTarget(query(t, refId(i), false)));
  return panel;
}

/** A stat panel: the last value of each series, big. */
export function figures(text: PanelText, targets: Target[]): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(datasource)
    .unit(text.unit)
    .span(text.width ?? 6)
    .height(8)
    .noValue('0')
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  targets.forEach((t, i) => panel.withTarget(query(t, refId(i), false)));
  return panel;
}

/** A horizontal bar gauge of the current value of each series (a distribution, a breakdown). */
export function bars(
  text: PanelText & { min?: number; max?: number },
  targets: Target[],
): bargauge.PanelBuilder {
  const panel = new bargauge.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(datasource)
    .unit(text.unit)
    .span(text.width ?? 8)
    .height(9)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (text.min !== undefined) panel.min(text.min);
  if (text.max !== undefined) panel.max(text.max);
  targets.forEach((t, i) => panel.withTarget(query(t, refId(i), true)));
  return panel;
}
