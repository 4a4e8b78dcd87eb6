/**
 * Prints how many tests each vitest project ran, passed, failed and skipped, from the JSON report,
 * and fails when the integration or e2e project executed no test or skipped one in CI.
 */
import { existsSync, readFileSync } from 'node:fs';

interface JsonReport {
  testResults: { name: string; assertionResults: { status: string }[] }[];
}

const file = process.argv[2] ?? '.test-results/vitest.json';
if (!existsSync(file)) {
  console.error(`test-summary: no vitest report at ${file}: the test run did not get that far`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
const counts = new Map<string, { passed: number; failed: number; skipped: number }>();
for (const result of report.testResults) {
  const project = /\/test\/(unit|integration|e2e)\//.exec(result.name)?.[1] ?? 'other';
  const entry = counts.get(project) ?? { passed: 0, failed: 0, skipped: 0 };
  for (const test of result.assertionResults) {
    if (test.status === 'passed') entry.passed += 1;
    else if (test.status === 'failed') entry.failed += 1;
    else entry.skipped += 1;
  }
  counts.set(project, entry);
}
let ok = true;
let passed = 0;
let failed = 0;
let skipped = 0;
for (const project of ['unit', 'integration', 'e2e']) {
  const c = counts.get(project) ?? { passed: 0, failed: 0, skipped: 0 };
  console.log(
    `${project}: ${c.passed + c.failed} executed (${c.passed} passed, ${c.failed} failed), ${c.skipped} skipped`,
  );
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  if (project !== 'unit' && process.env['CI'] === 'true') {
    if (c.passed + c.failed === 0 && counts.has(project)) ok = false;
    if (c.skipped > 0) {
      console.error(`test-summary: ${project} tests were skipped in CI`);
      ok = false;
    }
  }
}
if ((counts.get('integration')?.passed ?? 0) === 0) {
  console.error('test-summary: no integration test passed against the real broker and registry');
  ok = false;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
