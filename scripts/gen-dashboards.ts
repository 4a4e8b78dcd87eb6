/**
 * Writes the Grafana dashboards (scripts/dashboards/*.ts) as JSON under deploy/grafana/dashboards,
 * where docker-compose provisions them. `--check` fails when the committed JSON is stale.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dashboardJson, dashboards } from './dashboards/all.ts';

const root = join(import.meta.dirname, '..');
const outDir = join(root, 'deploy', 'grafana', 'dashboards');
const check = process.argv.includes('--check');

let stale = 0;
mkdirSync(outDir, { recursive: true });
for (const { file, dashboard } of dashboards()) {
  const path = join(outDir, file);
  const json = dashboardJson(dashboard);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== json) {
      console.error(`${relative(root, path)} is stale: run npm run gen:dashboards`);
      stale += 1;
    }
  } else writeFileSync(path, json);
}
if (stale > 0) process.exit(1);
