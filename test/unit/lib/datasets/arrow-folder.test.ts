import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrowFilesOf, readSaveToDisk } from '../../../../lib/datasets/arrow-folder.ts';
import { writeSaveToDisk } from '../../../support/reference-datasets.ts';

function sample(id: number) {
  return {
    id,
    article_title: `Article ${id}`,
    issue_scale: 1,
    category: null,
    issue_description: `Issue ${id}`,
    for_question: `For ${id}?`,
    against_question: `Against ${id}?`,
    for_response: { content: `for ${id}`, role: 'assistant' },
    against_response: { content: `against ${id}`, role: 'assistant' },
  };
}

function readBytes(dir: string): Buffer {
  return readFileSync(join(dir, 'data-00000-of-00001.arrow'));
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'valbench-arrow-'));
}

describe('save_to_disk folders', () => {
  it('reads the files state.json lists, in its order, struct columns as objects', () => {
    const dir = folder();
    writeSaveToDisk(join(dir, 'a'), [sample(1)]);
    writeSaveToDisk(join(dir, 'b'), [sample(2), sample(3)]);
    const both = join(dir, 'both');
    mkdirSync(both);
    writeFileSync(
      join(both, 'state.json'),
      JSON.stringify({ _data_files: [{ filename: 'second.arrow' }, { filename: 'first.arrow' }] }),
    );
    writeFileSync(join(both, 'first.arrow'), readBytes(join(dir, 'a')));
    writeFileSync(join(both, 'second.arrow'), readBytes(join(dir, 'b')));
    const { rows, files } = readSaveToDisk(both);
    expect(files).toEqual([join(both, 'second.arrow'), join(both, 'first.arrow')]);
    expect(rows.map((r) => r['id'])).toEqual([2n, 3n, 1n]);
    expect(rows[2]?.['for_response']).toEqual({ content: 'for 1', role: 'assistant' });
  });

  it('refuses a DatasetDict folder, naming its splits', () => {
    const dir = folder();
    writeFileSync(join(dir, 'dataset_dict.json'), JSON.stringify({ splits: ['train', 'test'] }));
    expect(() => arrowFilesOf(dir)).toThrow(
      /several splits \["train","test"\].*pass one split's folder/,
    );
  });

  it('refuses a folder with neither state.json nor Arrow files, and a broken Arrow file', () => {
    const dir = folder();
    expect(() => arrowFilesOf(dir)).toThrow(/neither state.json nor \*\.arrow files/);
    writeFileSync(join(dir, 'data-00000-of-00001.arrow'), 'not arrow');
    expect(() => readSaveToDisk(dir)).toThrow(
      /data-00000-of-00001\.arrow: not a readable Arrow IPC file/,
    );
  });
});
