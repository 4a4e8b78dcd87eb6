let max = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const t = setInterval(() => { const m = process.memoryUsage(); for (const k of Object.keys(max) as (keyof typeof max)[]) max[k] = Math.max(max[k], Math.round(m[k] / 2 ** 20)); }, 20);
t.unref();
process.on('exit', () => process.stderr.write(JSON.stringify(max) + '\n'));
