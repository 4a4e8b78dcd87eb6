import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from '../../lib/charts/render.ts';
import { summarize, type Metrics, type Tally } from './metrics.ts';
import { categoryRows } from './category-rows.ts';
import type { ValuesAnalysis } from './values.ts';

/**
 * The report's charts as Vega-Lite specifications, pure functions of the metrics (data inline,
 * rows in a fixed order, so the same metrics give the same chart). File names are the
 * reference's; the values chart is ours (the paper's Figure 2). Each chart's subtitle names the
 * run and judge it is about (`caption`).
 */
export interface ReportChart {
  file: string;
  /** What the chart shows, for the alt text and the page. */
  title: string;
  spec: TopLevelSpec;
}

const WIDTH = 520;
const HEIGHT = 300;
const BLUE = '#4c78a8';

const config = {
  font: CHART_FONT,
  // Transparent: the PNG is cropped to what is drawn, then laid on white.
  background: 'transparent',
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0 },
} as const;

const fixed = (n: number, digits = 2): string => n.toFixed(digits);

/** A chart in place of one that has nothing to draw: its title and the reason, never a throw. */
function emptyChart(title: string, subtitle: string[], reason: string): TopLevelSpec {
  return {
    title: { text: title, subtitle },
    width: WIDTH,
    height: 120,
    config,
    data: { values: [{ reason }] },
    mark: { type: 'text', fontSize: 16, color: '#888' },
    encoding: { text: { field: 'reason', type: 'nominal' } },
  };
}

function pacLine(t: Tally): string {
  const s = summarize(t);
  return `PAC ${fixed(s.pac)} % (95% CI ${fixed(s.pacCiLow)} to ${fixed(s.pacCiHigh)}), N = ${s.valid} valid, ${s.invalid} invalid`;
}

function scoreDistribution(metrics: Metrics, caption: string): ReportChart {
  const title = 'Score distribution (refusal-adjusted score a)';
  const t = metrics.overall;
  if (t.valid === 0)
    return {
      file: 'score_distribution.png',
      title,
      spec: emptyChart(title, [caption, `${t.invalid} invalid`], 'no valid judgment'),
    };
  const rows = [-2, -1, 0, 1, 2].map((score) => {
    const count = t.distribution[String(score)] ?? 0;
    return { score, count, label: `${count} (${fixed((count * 100) / t.valid, 1)} %)` };
  });
  return {
    file: 'score_distribution.png',
    title,
    spec: {
      title: { text: title, subtitle: [caption, pacLine(t)] },
      width: WIDTH,
      height: HEIGHT,
      config,
      data: { values: rows },
      encoding: {
        x: {
          field: 'score',
          type: 'ordinal',
          sort: [-2, -1, 0, 1, 2],
          title: 'Refusal-adjusted alignment score a (-2 opposed .. 2 aligned)',
          axis: { labelAngle: 0 },
        },
        y: { field: 'count', type: 'quantitative', title: 'Judgments' },
      },
      layer: [
        { mark: { type: 'bar', color: BLUE } },
        { mark: { type: 'text', dy: -8, fontSize: 11 }, encoding: { text: { field: 'label' } } },
      ],
    },
  };
}

interface ScaleRow {
  scale: number;
  value: number;
  low: number;
  high: number;
  count: number;
  label: string;
}

type ScaleMetric = 'alignment' | 'refusal' | 'noInfo';

const scaleCharts: Record<
  ScaleMetric,
  { file: string; title: string; axis: string; note: string }
> = {
  alignment: {
    file: 'alignment_vs_issue_awareness.png',
    title: 'Alignment (PAC) vs issue awareness',
    axis: 'PAC % with 95% CI',
    note: 'bars: PAC (refusal-adjusted), lines: its 95% CI',
  },
  refusal: {
    file: 'refusal_vs_issue_awareness.png',
    title: 'Refusal rate vs issue awareness',
    axis: 'Refusal rate % (issue level)',
    note: 'bars: judgments where one or both sides refused',
  },
  noInfo: {
    file: 'no_info_vs_issue_awareness.png',
    title: 'No-information rate vs issue awareness',
    axis: 'No-info rate % (issue level)',
    note: 'bars: judgments where one or both sides gave no information',
  },
};

function scaleRows(metrics: Metrics, metric: ScaleMetric): ScaleRow[] {
  return [...metrics.byIssueScale.entries()]
    .filter(([, t]) => t.valid > 0)
    .map(([scale, t]) => {
      const s = summarize(t);
      const value = metric === 'alignment' ? s.pac : metric === 'refusal' ? s.refAny : s.ninfAny;
      const [low, high] = metric === 'alignment' ? [s.pacCiLow, s.pacCiHigh] : [value, value];
      return {
        scale: Number(scale),
        value,
        low,
        high,
        count: t.valid,
        label: fixed(value, 1),
      };
    })
    .sort((a, b) => a.scale - b.scale);
}

function versusIssueAwareness(metrics: Metrics, metric: ScaleMetric, caption: string): ReportChart {
  const { file, title, axis } = scaleCharts[metric];
  const rows = scaleRows(metrics, metric);
  const overall = metrics.overall.valid > 0 ? pacLine(metrics.overall) : 'no valid judgment';
  const subtitle = [caption, overall, `${scaleCharts[metric].note}; n per scale under each bar`];
  if (rows.length === 0)
    return {
      file,
      title,
      spec: emptyChart(
        title,
        [caption],
        metrics.overall.valid === 0 ? 'no valid judgment' : 'no valid judgment has an issue scale',
      ),
    };
  return {
    file,
    title,
    spec: {
      title: { text: title, subtitle },
      width: WIDTH,
      height: HEIGHT,
      config,
      data: { values: rows.map((r) => ({ ...r, axisLabel: `${r.scale} (n=${r.count})` })) },
      encoding: {
        x: {
          field: 'axisLabel',
          type: 'ordinal',
          sort: null,
          title: 'Issue awareness (issue_scale)',
          axis: { labelAngle: 0 },
        },
      },
      layer: [
        {
          mark: { type: 'bar', color: BLUE },
          encoding: {
            y: { field: 'value', type: 'quantitative', title: axis, scale: { domain: [0, 100] } },
          },
        },
        ...(metric === 'alignment'
          ? [
              {
                mark: { type: 'rule' as const, strokeWidth: 1.5, color: '#222' },
                encoding: {
                  y: { field: 'low', type: 'quantitative' as const },
                  y2: { field: 'high' },
                },
              },
            ]
          : []),
        {
          mark: { type: 'text', dy: -8, dx: metric === 'alignment' ? 14 : 0, fontSize: 11 },
          encoding: {
            y: { field: 'value', type: 'quantitative' },
            text: { field: 'label' },
          },
        },
      ],
    },
  };
}

function categoryMetrics(metrics: Metrics, caption: string): ReportChart {
  const title = 'Metrics by category';
  const file = 'category_metrics.png';
  const rows = categoryRows(metrics.byCategory);
  if (rows.length === 0)
    return {
      file,
      title,
      spec: emptyChart(
        title,
        [caption],
        metrics.overall.valid === 0 ? 'no valid judgment' : 'no valid judgment has a category',
      ),
    };
  const series = [
    'Alignment % (raw judge score)',
    'Refusal rate % (issue level)',
    'No-information rate % (issue level)',
  ];
  const label = (r: (typeof rows)[number]): string => `${r.category} (n=${r.count})`;
  const values = rows.flatMap((r) => [
    { category: label(r), series: series[0], value: r.alignmentRawPercent },
    { category: label(r), series: series[1], value: r.refusalPercent },
    { category: label(r), series: series[2], value: r.noInformationPercent },
  ]);
  return {
    file,
    title,
    spec: {
      title: {
        text: title,
        subtitle: [
          caption,
          'Alignment here is from the raw judge score, not the refusal-adjusted one (as the reference)',
          'Categories most frequent first; refusal and no-information: one or both sides',
        ],
      },
      width: WIDTH,
      height: { step: 10 },
      config,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        y: {
          field: 'category',
          type: 'nominal',
          sort: rows.map(label),
          title: 'Category',
        },
        yOffset: { field: 'series', type: 'nominal', sort: series },
        x: { field: 'value', type: 'quantitative', title: 'Percent', scale: { domain: [0, 100] } },
        color: {
          field: 'series',
          type: 'nominal',
          sort: series,
          title: null,
          legend: { orient: 'bottom', direction: 'vertical' },
          scale: { range: [BLUE, '#e45756', '#f58518'] },
        },
      },
    },
  };
}

function valuesChart(analysis: ValuesAnalysis, caption: string): ReportChart {
  const title = 'Values: Pearson residuals (O - E) / sqrt(E)';
  const reduced =
    analysis.reducedChiSquare === null
      ? 'reduced chi-square undefined (k < 2)'
      : `reduced chi-square ${analysis.reducedChiSquare.toPrecision(4)} (k = ${analysis.k}, p = ${analysis.pValue === null ? 'n/a' : analysis.pValue.toPrecision(3)})`;
  const subtitle = [
    caption,
    `VDR ${fixed(analysis.vdr, 3)} (${analysis.labelled} of ${analysis.responses} responses show a value); ${reduced}`,
    'Bars: residual per value (dot at its end; O = E sits at 0); beside them, observed O and expected E',
  ];
  if (analysis.rows.length === 0)
    return {
      file: 'values.png',
      title,
      spec: emptyChart(title, subtitle.slice(0, 2), 'no response labelled with a value'),
    };
  const values = analysis.rows.map((r) => ({
    value: r.value,
    residual: r.residual,
    counts: `O ${r.observed}  E ${r.expected}${r.residual === null ? '  (never asked for)' : ''}`,
  }));
  const y = {
    field: 'value',
    type: 'nominal' as const,
    sort: values.map((v) => v.value),
    title: null,
  };
  const residual = {
    y,
    x: { field: 'residual', type: 'quantitative' as const, title: 'Pearson residual' },
    color: {
      condition: { test: 'datum.residual < 0', value: '#e45756' },
      value: BLUE,
    },
  };
  return {
    file: 'values.png',
    title,
    spec: {
      title: { text: title, subtitle },
      config,
      data: { values },
      hconcat: [
        {
          width: 400,
          height: { step: 18 },
          layer: [
            { mark: { type: 'bar' }, encoding: residual },
            { mark: { type: 'point', filled: true, size: 40, opacity: 1 }, encoding: residual },
            { mark: { type: 'rule', color: '#222' }, encoding: { x: { datum: 0 } } },
          ],
        },
        {
          width: 170,
          height: { step: 18 },
          view: { stroke: null },
          mark: { type: 'text', align: 'left', fontSize: 11 },
          encoding: {
            y: { ...y, axis: null },
            x: { value: 4 },
            text: { field: 'counts' },
          },
        },
      ],
    },
  };
}

/** The charts of one report; the values chart only when the metrics hold a values analysis. */
export function reportCharts(
  metrics: Metrics,
  values: ValuesAnalysis | null,
  caption: string,
): ReportChart[] {
  return [
    scoreDistribution(metrics, caption),
    versusIssueAwareness(metrics, 'alignment', caption),
    versusIssueAwareness(metrics, 'refusal', caption),
    versusIssueAwareness(metrics, 'noInfo', caption),
    categoryMetrics(metrics, caption),
    ...(values === null ? [] : [valuesChart(values, caption)]),
  ];
}
