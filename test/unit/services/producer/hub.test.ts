/**
 * The hub path of the producer. The Hugging Face hub cannot be reached from here, so a small
 * local HTTP server stands in for it, answering the three hub API calls @huggingface/hub makes
 * (dataset info, file tree, file download) with a parquet file the test writes.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../../services/producer/source.ts';
import { splitFiles } from '../../../../services/producer/hub.ts';

const sha = 'c0ffee0000000000000000000000000000000001';
const testFile = 'data/test-00000-of-00001.parquet';
const parquet = new Uint8Array(
  parquetWriteBuffer({
    columnData: [
      { name: 'id', data: [1n, 2n, 3n], type: 'INT64' },
      { name: 'issue_description', data: ['a', 'b', 'c'], type: 'STRING' },
      { name: 'for_question', data: ['f1', 'f2', 'f3'], type: 'STRING' },
      { name: 'against_question', data: ['g1', 'g2', 'g3'], type: 'STRING' },
      { name: 'issue_scale', data: [1, 2, 3], type: 'INT32' },
      { name: 'category', data: ['x', null, 'y'], type: 'STRING' },
    ],
  }),
);
const requests: string[] = [];
const seenAuth: (string | undefined)[] = [];
let server: Server;
let hubUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method ?? ''} ${url}`);
    seenAuth.push(req.headers.authorization);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.startsWith('/api/datasets/val-bench/Tiny/revision/main'))
      json({
        _id: '1',
        id: 'val-bench/Tiny',
        sha,
        private: false,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: '2026-01-01T00:00:00.000Z',
      });
    else if (url.startsWith(`/api/datasets/val-bench/Tiny/tree/${sha}`))
      json([
        { type: 'directory', path: 'data', oid: '0', size: 0 },
        { type: 'file', path: 'README.md', oid: '1', size: 10 },
        { type: 'file', path: testFile, oid: '2', size: parquet.length },
        { type: 'file', path: 'data/train-00000-of-00001.parquet', oid: '3', size: 1 },
      ]);
    else if (url.startsWith(`/datasets/val-bench/Tiny/resolve/${sha}/${testFile}`)) {
      // The client first asks for one byte to learn the size (as the real hub answers: 206).
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
afterAll(() => {
  server.close();
});

describe('splitFiles', () => {
  it('picks the parquet files of one split', () => {
    expect(
      splitFiles(
        [
          'data/test-00000-of-00002.parquet',
          'data/train-0.parquet',
          'test/0000.parquet',
          'README.md',
          'data/test-00001-of-00002.parquet',
        ],
        'test',
      ),
    ).toEqual([
      'data/test-00000-of-00002.parquet',
      'data/test-00001-of-00002.parquet',
      'test/0000.parquet',
    ]);
  });
});

describe('loadDataset from the hub', () => {
  it('downloads the split at a pinned commit with the token, validates and selects rows', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'valbench-hub-'));
    const settings = {
      source: {
        kind: 'hub' as const,
        dataset: 'val-bench/Tiny',
        revision: 'main',
        hubUrl,
        token: 'hf_testtoken123',
      },
      split: 'test',
      limit: 2,
      sampleSeed: null,
      pairIds: null,
      valueColumns: { for: null, against: null },
    };
    const loaded = await loadDataset(settings, { cacheDir });
    expect(loaded.selection).toEqual({
      datasetId: 'val-bench/Tiny',
      revision: sha,
      split: 'test',
      limit: 2,
      sampleSeed: null,
      pairIds: null,
    });
    const read: [string, string, string | null][] = [];
    for await (const r of loaded.rows()) read.push([r.id, r.forQuestion, r.category]);
    expect(read).toEqual([
      ['1', 'f1', 'x'],
      ['2', 'f2', null],
    ]);
    expect(seenAuth).toContain('Bearer hf_testtoken123');
    expect(requests.some((r) => r.includes('train-'))).toBe(false);

    // A second load reads the cached file: no download request.
    const downloads = requests.filter((r) => r.startsWith('GET /datasets/')).length;
    await loadDataset(settings, { cacheDir });
    expect(requests.filter((r) => r.startsWith('GET /datasets/')).length).toBe(downloads);
  });

  it('says when the hub cannot be reached and names the offline alternative', async () => {
    const settings = {
      source: {
        kind: 'hub' as const,
        dataset: 'val-bench/VAL-Bench',
        revision: 'main',
        hubUrl: 'http://127.0.0.1:9',
        token: 'hf_secretsecret99',
      },
      split: 'test',
      limit: null,
      sampleSeed: null,
      pairIds: null,
      valueColumns: { for: null, against: null },
    };
    const error = await loadDataset(settings, {
      cacheDir: mkdtempSync(join(tmpdir(), 'valbench-hub-')),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HUB_UNREACHABLE', kind: 'fatal' });
    expect(String(error)).toMatch(
      /cannot read dataset val-bench\/VAL-Bench@main from the Hugging Face hub/,
    );
    expect(String(error)).toMatch(/--input FILE\.parquet/);
    expect(String(error)).not.toContain('hf_secretsecret99');
  });
});
