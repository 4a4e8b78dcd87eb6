/**
 * kafkajs 2.2.4 computes a negative timeout in its request queue on Node 22+, and Node prints a
 * TimeoutNegativeWarning for it (the timer still fires at once, as kafkajs intends). That one
 * warning is dropped; every other process warning is still printed.
 */
export function quietKnownWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    console.error(`(node) ${warning.name}: ${warning.message}`);
  });
}
