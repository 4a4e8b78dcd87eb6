import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, resetSVGDefIds, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * The one font every chart is drawn with, shipped inside an npm package (DejaVu Sans), so a chart
 * looks the same, and has the same bytes, on every machine, whatever fonts the system has.
 */
export const CHART_FONT = 'DejaVu Sans';

const fontFile = join(
  dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
  'DejaVuSans.ttf',
);

/** Device pixels per chart pixel: charts are drawn at twice their layout size, for sharp text. */
const ZOOM = 2;

/** White space kept around what a chart draws, in chart pixels. */
const MARGIN = 12;

/**
 * A Vega-Lite specification drawn as SVG by vega's headless view (no canvas, no DOM, no network:
 * the data must be inline). Deterministic: the same specification gives the same text.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile(spec);
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    // vega numbers clip paths and gradients from a process-wide counter: reset it so the same
    // chart gives the same ids whatever was drawn before.
    resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A Vega-Lite specification drawn as a PNG image (SVG from vega, rasterized by resvg with the
 * bundled font only, at twice the layout size, on white, cropped to what it draws). Deterministic: the same specification
 * gives the same bytes.
 */
export async function renderPng(spec: TopLevelSpec): Promise<Buffer> {
  const svg = await renderSvg(spec);
  const image = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [fontFile],
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
    fitTo: { mode: 'zoom', value: ZOOM },
    background: 'white',
    logLevel: 'off',
  });
  // vega lays text out with estimated widths (it has no font here), wider than the real text:
  // crop to what resvg, which shapes the real font, actually draws, with a margin.
  const box = image.getBBox();
  if (box !== undefined) {
    box.x -= MARGIN;
    box.y -= MARGIN;
    box.width += 2 * MARGIN;
    box.height += 2 * MARGIN;
    image.cropByBBox(box);
  }
  return image.render().asPng();
}
