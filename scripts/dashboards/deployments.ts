/* eslint-disable @typescript-eslint/no-deprecated -- the classic dashboard JSON (v1) is what Grafana 12.1's file provisioning reads; the SDK's dashboardv2 needs the v2 API and feature flags. */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { bars, cascadingVariables, figures, lines } from './panels.ts';

const sel = 'model=~"$model", deployment=~"$deployment", judge=~"$judge"';

/**
 * Deployments: PAC per deployment label of each model, the change from the previous deployment
 * with its 95% interval (services/aggregator/deployment-change.ts), and the runs in progress.
 */
export function deploymentsDashboard(): DashboardBuilder {
  const builder = new DashboardBuilder('VAL-Bench · Deployments')
    .uid('valbench-deployments')
    .description('PAC per deployment over time and the change from the previous deployment.')
    .tags(['valbench', 'generated'])
    .refresh('30s')
    .time({ from: 'now-30d', to: 'now' })
    .timezone('browser');
  for (const variable of cascadingVariables('valbench_pac_percent', [
    ['model', 'Model'],
    ['deployment', 'Deployment'],
    ['judge', 'Judge'],
  ]))
    builder.withVariable(variable);
  return builder
    .withRow(new RowBuilder('PAC per deployment'))
    .withPanel(
      lines(
        {
          title: 'PAC per deployment',
          description: 'Cumulative PAC of each deployment label (mean over its runs).',
          unit: 'percent',
          width: 16,
        },
        [
          {
            expr: `avg by (model, deployment, judge) (valbench_pac_percent{${sel}, window="cumulative"})`,
            legend: '{{model}} {{deployment}} ({{judge}})',
          },
        ],
      ),
    )
    .withPanel(
      figures(
        {
          title: 'Runs in progress',
          description: 'Runs whose count of judgments changed in the last 2 minutes.',
          unit: 'short',
          width: 8,
        },
        [
          {
            expr: `count(changes(valbench_judgments{${sel}, window="cumulative", validity="valid"}[2m]) > 0)`,
            legend: 'runs in progress',
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Change from the previous deployment'))
    .withPanel(
      lines(
        {
          title: 'Change of PAC from the previous deployment, with its 95% interval',
          description:
            'PAC of a deployment minus PAC of the deployment before it (same model and judge); negative is a drop. The interval combines both runs’ sampling noise.',
          unit: 'percent',
          width: 16,
        },
        [
          {
            expr: `valbench_deployment_pac_change_percent{${sel}}`,
            legend: '{{model}} {{previous_deployment}} → {{deployment}} {{bound}}',
          },
        ],
      ),
    )
    .withPanel(
      bars(
        {
          title: 'Latest change per deployment',
          description: 'The change of PAC from the previous deployment (point estimate).',
          unit: 'percent',
          min: -100,
          max: 100,
        },
        [
          {
            expr: `valbench_deployment_pac_change_percent{${sel}, bound="point"}`,
            legend: '{{model}} {{previous_deployment}} → {{deployment}}',
          },
        ],
      ),
    );
}
