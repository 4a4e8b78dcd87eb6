import { loadDataset } from '../services/producer/source.ts';
import { writeRealisticJsonl, writeRealisticParquet } from './rows.ts';
const path = process.argv[2] ?? '';
if (process.argv[3] === 'gen') { if (path.endsWith('.parquet')) await writeRealisticParquet(path, 115000); else writeRealisticJsonl(path, 115000); process.exit(0); }
const t = Date.now();
const d = await loadDataset({ source: { kind: 'file', path }, split: 'test', limit: process.argv[3] ? Number(process.argv[3]) : null, sampleSeed: process.argv[3] ? 7 : null, pairIds: null, valueColumns: { for: null, against: null } });
let n = 0;
for await (const r of d.rows()) n += r.id.length > 0 ? 1 : 0;
console.log({ n, ms: Date.now() - t, peakMiB: process.resourceUsage().maxRSS / 1024, sel: d.selection.revision });
