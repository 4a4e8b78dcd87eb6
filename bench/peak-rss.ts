/**
 * Preloaded into each measured process (node --import): prints its peak resident set size on
 * exit, one JSON line on stderr, so the memory benchmark reads it whatever way the process ends.
 */
process.on('exit', () => {
  const peakBytes = process.resourceUsage().maxRSS * 1024;
  process.stderr.write(`${JSON.stringify({ peakRssBytes: peakBytes })}\n`);
});
