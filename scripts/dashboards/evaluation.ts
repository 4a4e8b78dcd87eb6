/* eslint-disable @typescript-eslint/no-deprecated -- the classic dashboard JSON (v1) is what Grafana 12.1's file provisioning reads; the SDK's dashboardv2 needs the v2 API and feature flags. */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { bars, cascadingVariables, figures, lines } from './panels.ts';

const sel = 'model=~"$model", deployment=~"$deployment", judge=~"$judge", run=~"$run"';
const cumulative = `${sel}, window="cumulative"`;
const who = '{{model}} {{deployment}} · {{run}}';

/**
 * Evaluation: what the aggregator computes for each run and judge (services/aggregator/exporter*.ts
 * and judge-agreement.ts), filtered by model, deployment, judge and run.
 */
export function evaluationDashboard(): DashboardBuilder {
  const builder = new DashboardBuilder('VAL-Bench · Evaluation')
    .uid('valbench-evaluation')
    .description('PAC with its interval, refusals, scores, values analysis and judge agreement.')
    .tags(['valbench', 'generated'])
    .refresh('10s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser');
  for (const variable of cascadingVariables('valbench_pac_percent', [
    ['model', 'Model'],
    ['deployment', 'Deployment'],
    ['judge', 'Judge'],
    ['run', 'Run'],
  ]))
    builder.withVariable(variable);
  return builder
    .withRow(new RowBuilder('Pairwise alignment consistency (PAC)'))
    .withPanel(
      figures(
        {
          title: 'PAC now',
          description: 'Cumulative PAC of each run and judge (percent).',
          unit: 'percent',
          width: 6,
        },
        [{ expr: `valbench_pac_percent{${cumulative}}`, legend: who }],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'PAC with its 95% interval',
          description: 'Cumulative PAC as judgments arrive, with the bounds of its 95% interval.',
          unit: 'percent',
          width: 18,
        },
        [
          { expr: `valbench_pac_percent{${cumulative}}`, legend: `${who} PAC` },
          {
            expr: `valbench_pac_ci_percent{${cumulative}, bound="low"}`,
            legend: `${who} 95% low`,
          },
          {
            expr: `valbench_pac_ci_percent{${cumulative}, bound="high"}`,
            legend: `${who} 95% high`,
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'PAC per rolling window',
          description: 'PAC over the last N judgments (last_n) and the last T minutes (last_t).',
          unit: 'percent',
        },
        [
          {
            expr: `valbench_pac_percent{${sel}, window=~"last_n|last_t"}`,
            legend: `${who} {{window}}`,
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Judgments counted',
          description: 'Judgments the aggregator counted, valid and invalid (progress of a run).',
          unit: 'short',
        },
        [{ expr: `valbench_judgments{${cumulative}}`, legend: `${who} {{validity}}` }],
      ),
    )
    .withRow(new RowBuilder('Refusals (REF) and no information (NINF)'))
    .withPanel(
      lines(
        {
          title: 'Refusal rates',
          description: 'REF (share of responses), one side (REF1), both sides (REF2), any side.',
          unit: 'percent',
        },
        [{ expr: `valbench_refusal_rate_percent{${cumulative}}`, legend: `${who} {{kind}}` }],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'No-information rates',
          description: 'NINF (share of responses), one side, both sides, any side.',
          unit: 'percent',
        },
        [
          {
            expr: `valbench_no_information_rate_percent{${cumulative}}`,
            legend: `${who} {{kind}}`,
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Scores'))
    .withPanel(
      bars(
        {
          title: 'Score distribution',
          description: 'Share of each refusal-adjusted score (-2..2) among valid judgments.',
          unit: 'percentunit',
          min: 0,
          max: 1,
        },
        [{ expr: `valbench_score_share{${cumulative}}`, legend: `${who} score {{score}}` }],
      ),
    )
    .withPanel(
      bars(
        {
          title: 'PAC by issue scale',
          description: 'PAC (refusal-adjusted) per issue_scale of the pairs.',
          unit: 'percent',
          min: 0,
          max: 100,
        },
        [
          {
            expr: `valbench_pac_by_issue_scale_percent{${cumulative}}`,
            legend: `${who} scale {{issue_scale}}`,
          },
        ],
      ),
    )
    .withPanel(
      bars(
        {
          title: 'Alignment by category (raw judge score)',
          description:
            'Alignment per category from the raw judge score (the reference definition).',
          unit: 'percent',
          min: 0,
          max: 100,
        },
        [
          {
            expr: `valbench_alignment_raw_by_category_percent{${cumulative}}`,
            legend: `${who} {{category}}`,
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Values analysis'))
    .withPanel(
      bars(
        {
          title: 'Pearson residual per value',
          description:
            '(O - E) / sqrt(E) per value: positive, shown more than asked for; negative, less.',
          unit: 'none',
        },
        [
          {
            expr: `valbench_value_pearson_residual{${cumulative}}`,
            legend: `${who} {{value}}`,
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Value demonstration rate (VDR)',
          description: 'Share of responses the judge labelled with a value.',
          unit: 'percentunit',
          width: 8,
        },
        [{ expr: `valbench_value_demonstration_rate{${cumulative}}`, legend: who }],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Reduced chi-square and p-value',
          description: 'Near 0: the model yields to framing; large: it holds its values.',
          unit: 'none',
          width: 8,
        },
        [
          {
            expr: `valbench_value_reduced_chi_square{${cumulative}}`,
            legend: `${who} reduced chi-square`,
          },
          { expr: `valbench_value_chi_square_p_value{${cumulative}}`, legend: `${who} p-value` },
        ],
      ),
    )
    .withRow(new RowBuilder('Judge agreement'))
    .withPanel(
      lines(
        {
          title: "Cohen's kappa and exact agreement",
          description:
            'Two judges of a run on the pairs both judged validly (position_swap: one is the other reversed).',
          unit: 'none',
          width: 8,
        },
        [
          {
            expr: 'valbench_judge_agreement_kappa{run=~"$run"}',
            legend: '{{judge_a}} vs {{judge_b}} kappa (swap {{position_swap}})',
          },
          {
            expr: 'valbench_judge_agreement_exact_ratio{run=~"$run"}',
            legend: '{{judge_a}} vs {{judge_b}} exact (swap {{position_swap}})',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: 'Mean absolute difference and pairs compared',
          description: 'Mean |score A - score B| (-2..2 scale) and the pairs it is over.',
          unit: 'none',
          width: 8,
        },
        [
          {
            expr: 'valbench_judge_agreement_mean_abs_difference{run=~"$run"}',
            legend: '{{judge_a}} vs {{judge_b}} mean |diff|',
          },
          {
            expr: 'valbench_judge_agreement_pairs{run=~"$run"}',
            legend: '{{judge_a}} vs {{judge_b}} pairs',
          },
        ],
      ),
    )
    .withPanel(
      lines(
        {
          title: "Krippendorff's alpha (three judges or more)",
          description: 'Interval alpha over every judge of a run.',
          unit: 'none',
          width: 8,
        },
        [{ expr: 'valbench_judge_agreement_alpha{run=~"$run"}', legend: '{{run}}' }],
      ),
    );
}
