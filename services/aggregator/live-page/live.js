// The live page's script: reads /api/metrics every few seconds and draws one card per run and
// judge. Everything is built with DOM calls and textContent (no HTML from data), and nothing is
// loaded from anywhere but this server.

const refreshMs = 2000;
const svgNs = 'http://www.w3.org/2000/svg';

/** @param {unknown} v @param {number} [digits] */
function fixed(v, digits = 2) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {string} [text]
 */
function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} tag @param {Record<string, string | number>} attributes */
function svg(tag, attributes) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} field
 * @param {string} [detail]
 */
function figure(label, value, field, detail) {
  const box = el('div', { class: `figure ${field}` });
  box.append(el('div', { class: 'label' }, label));
  box.append(el('div', { class: 'value', 'data-field': field }, value));
  if (detail !== undefined) box.append(el('div', { class: 'detail' }, detail));
  return box;
}

/**
 * PAC over time with its 95% band, as inline SVG: y from 0 to 100 %, x the time since the
 * series' first point.
 * @param {{t: number, pac: number | null, pacCiLow: number | null, pacCiHigh: number | null}[]} all
 */
function chart(all) {
  const points = all.filter((p) => p.pac !== null);
  const width = 640;
  const height = 180;
  const left = 34;
  const right = 12;
  const top = 10;
  const bottom = 24;
  const root = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'PAC over time',
  });
  const y = (/** @type {number} */ v) => top + ((100 - v) / 100) * (height - top - bottom);
  for (const v of [0, 25, 50, 75, 100]) {
    root.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    const label = svg('text', { class: 'axis', x: left - 6, y: y(v) + 3, 'text-anchor': 'end' });
    label.textContent = String(v);
    root.append(label);
  }
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return root;
  const span = Math.max(last.t - first.t, 1000);
  const x = (/** @type {number} */ t) => left + ((t - first.t) / span) * (width - left - right);
  const end = svg('text', { class: 'axis', x: width - right, y: height - 6, 'text-anchor': 'end' });
  end.textContent = `${Math.round((last.t - first.t) / 1000)} s`;
  const start = svg('text', { class: 'axis', x: left, y: height - 6 });
  start.textContent = '0 s';
  root.append(start, end);
  const at = (/** @type {number} */ t, /** @type {number | null} */ v) =>
    `${x(t).toFixed(1)},${y(v ?? 0).toFixed(1)}`;
  const band = [
    ...points.map((p) => at(p.t, p.pacCiHigh)),
    ...points.toReversed().map((p) => at(p.t, p.pacCiLow)),
  ];
  root.append(svg('polygon', { class: 'band', points: band.join(' ') }));
  root.append(
    svg('polyline', { class: 'line', points: points.map((p) => at(p.t, p.pac)).join(' ') }),
  );
  root.append(svg('circle', { class: 'dot', cx: x(last.t), cy: y(last.pac ?? 0), r: 3 }));
  return root;
}

/**
 * One card: a run and judge's figures, progress and chart.
 * @param {any} run an entry of /api/metrics `runs`
 * @param {any} progress the run's entry of `progress`, if the process knows it
 * @param {any} history the run and judge's entry of `history`
 */
function card(run, progress, history) {
  const c = run.cumulative;
  const judged = c.valid + c.invalid;
  const section = el('section', { class: 'run', 'data-run': run.runId, 'data-judge': run.judgeId });
  const deployment = run.deployment === '' ? '' : ` · deployment ${run.deployment}`;
  section.append(el('h2', {}, `${run.model}${deployment} judged by ${run.judgeModel}`));
  section.append(el('p', { class: 'ids' }, `${run.runId} · ${run.judgeId}`));
  const figures = el('div', { class: 'figures' });
  figures.append(
    figure('PAC %', fixed(c.pac), 'pac', `95% CI ${fixed(c.pacCiLow)} – ${fixed(c.pacCiHigh)}`),
    figure('REF %', fixed(c.ref), 'ref', `one ${fixed(c.ref1)} · both ${fixed(c.ref2)}`),
    figure('NINF %', fixed(c.ninf), 'ninf', `one ${fixed(c.ninf1)} · both ${fixed(c.ninf2)}`),
  );
  const pairs = progress?.pairs;
  const done = el('div', { class: 'figure progress' });
  done.append(el('div', { class: 'label' }, 'judged / pairs'));
  done.append(
    el('div', { class: 'value', 'data-field': 'progress' }, `${judged} / ${pairs ?? '?'}`),
  );
  if (typeof pairs === 'number' && pairs > 0) {
    done.append(el('progress', { max: String(pairs), value: String(Math.min(judged, pairs)) }));
  }
  done.append(el('div', { class: 'detail' }, `valid ${c.valid} · invalid ${c.invalid}`));
  figures.append(done);
  figures.append(
    figure(
      'dead letters',
      progress === undefined ? '?' : String(progress.deadLettered),
      'dead-letters',
      progress?.responded == null ? undefined : `answered ${progress.responded}`,
    ),
  );
  section.append(figures);
  section.append(chart(history?.points ?? []));
  return section;
}

async function refresh() {
  const status = document.getElementById('status');
  const main = document.getElementById('runs');
  if (status === null || main === null) return;
  try {
    const response = await fetch('/api/metrics', { cache: 'no-store' });
    if (!response.ok) throw new Error(`/api/metrics answered ${response.status}`);
    const data = await response.json();
    const cards = data.runs.map((/** @type {any} */ run) =>
      card(
        run,
        data.progress.find((/** @type {any} */ p) => p.runId === run.runId),
        data.history.find(
          (/** @type {any} */ h) => h.runId === run.runId && h.judgeId === run.judgeId,
        ),
      ),
    );
    if (cards.length === 0) cards.push(el('p', {}, 'No judgment yet.'));
    main.replaceChildren(...cards);
    status.className = '';
    status.textContent = `${data.counted} judgments counted · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    status.className = 'error';
    status.textContent = `cannot read /api/metrics (${String(error)}); retrying`;
  } finally {
    setTimeout(() => void refresh(), refreshMs);
  }
}

void refresh();
