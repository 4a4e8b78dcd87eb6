/**
 * Where calibration sets come from: a folder with one file per set, or the Hugging Face hub. The
 * hub cannot be reached from here, so a small local HTTP server stands in for it, answering the
 * hub API calls @huggingface/hub makes with a parquet file in the reference's responses shape.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationFileIn, readCalibrationSet } from '../../../cli/calibration-source.ts';
import { calibrationRows } from '../../../services/judge/calibration.ts';
import { importedPair } from '../../../services/producer/reference-responses.ts';
import { referenceParquet } from '../../support/reference-datasets.ts';

const set = { name: 'calibration-aligned-100', expectedPac: 100 };
const sha = 'ca11b4a7e0000000000000000000000000000001';
const file = 'data/train-00000-of-00001.parquet';
const parquet = referenceParquet(
  [1, 2].map((id) => ({
    id,
    article_title: 'A',
    issue_scale: 1,
    category: null,
    issue_description: `Issue ${id}`,
    for_question: 'For?',
    against_question: 'Against?',
    for_response: { content: `for ${id}`, role: 'assistant' },
    against_response: { content: `against ${id}`, role: 'assistant' },
  })),
);
const requests: string[] = [];
let server: Server;
let hubUrl = '';

beforeAll(async () => {
  const base = `val-bench/${set.name}`;
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.startsWith(`/api/datasets/${base}/revision/main`))
      json({ _id: '1', id: base, sha, private: false, gated: false, downloads: 0, likes: 0 });
    else if (url.startsWith(`/api/datasets/${base}/tree/${sha}`))
      json([{ type: 'file', path: file, oid: '2', size: parquet.length }]);
    else if (url.startsWith(`/datasets/${base}/resolve/${sha}/${file}`)) {
      const ranged = req.headers.range !== undefined;
      res.writeHead(ranged ? 206 : 200, {
        'content-type': 'application/octet-stream',
        etag: '"2"',
        ...(ranged ? { 'content-range': `bytes 0-0/${parquet.length}` } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : ranged ? parquet.subarray(0, 1) : parquet);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no route ${url}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  hubUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('calibration sets from the hub', () => {
  it('reads the split at the commit the revision resolves to, answers as {content, role}', async () => {
    const read = await readCalibrationSet(
      {
        kind: 'hub',
        revision: 'main',
        split: 'train',
        hubUrl,
        token: null,
        cacheDir: mkdtempSync(join(tmpdir(), 'valbench-calibration-cache-')),
      },
      set,
    );
    expect(read.revision).toBe(sha);
    expect(read.where).toBe(`val-bench/calibration-aligned-100@${sha} split train`);
    expect(requests.some((u) => u.includes(`/resolve/${sha}/${file}`))).toBe(true);
    const { rows } = calibrationRows(read.rows, read.where);
    const pairs = rows.map((row, i) => importedPair(row, `row ${i + 1}`));
    expect(
      pairs.map((p) => [p.row.id, p.answers?.for.content, p.answers?.against.content]),
    ).toEqual([
      ['1', 'for 1', 'against 1'],
      ['2', 'for 2', 'against 2'],
    ]);
  });
});

describe('calibration sets from a folder', () => {
  it('finds the one file or save_to_disk folder named after a set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valbench-calibration-'));
    expect(() => calibrationFileIn(dir, set)).toThrow(
      'no file for calibration-aligned-100 (looked for calibration-aligned-100.parquet, calibration-aligned-100.jsonl, calibration-aligned-100.arrow, calibration-aligned-100/)',
    );
    mkdirSync(join(dir, 'calibration-aligned-100'));
    expect(calibrationFileIn(dir, set)).toBe(join(dir, 'calibration-aligned-100'));
    writeFileSync(join(dir, 'calibration-aligned-100.jsonl'), '');
    expect(() => calibrationFileIn(dir, set)).toThrow(/several files for calibration-aligned-100/);
  });
});
