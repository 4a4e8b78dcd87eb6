import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { freePorts } from './ports.ts';
import { waitFor } from './kafka.ts';

/** A real Prometheus (Debian's `prometheus`) on loopback, with its own config and storage. */
export interface TestPrometheus {
  url: string;
  /** The `data.result` of a query_range, or throws with Prometheus's error. */
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<unknown[]>;
  stop(): Promise<void>;
}

const targetsBody = z.object({
  data: z.object({ activeTargets: z.array(z.object({ health: z.string() })) }),
});
const queryBody = z.object({
  status: z.string(),
  error: z.string().optional(),
  data: z.object({ result: z.array(z.unknown()) }).optional(),
});

/**
 * Starts Prometheus scraping `jobs` (job name → host:port targets) every second, loading
 * `ruleFiles`, and resolves once every target is up. Fails, never skips, when the binary is
 * missing (scripts/ensure-debian-tools.sh installs it).
 */
export async function startPrometheus(
  jobs: Record<string, string[]>,
  ruleFiles: string[],
): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'valbench-prometheus-'));
  const [port] = await freePorts(1);
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: Object.entries(jobs).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  // JSON is YAML: no YAML writer needed.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const url = `http://127.0.0.1:${port ?? 0}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port ?? 0}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = `${log}${chunk.toString()}`.slice(-4000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => {
      reject(
        new Error(
          `prometheus could not start (${error.message}): install Debian's prometheus package (scripts/ensure-debian-tools.sh)`,
        ),
      );
    });
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await spawned;
    const expected = Object.values(jobs).flat().length;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        const response = await fetch(`${url}/api/v1/targets?state=active`).catch(() => null);
        if (response === null || !response.ok) return false;
        const body = targetsBody.parse(await response.json());
        const up = body.data.activeTargets.filter((t) => t.health === 'up');
        return up.length === expected;
      },
      `prometheus scraping its ${Object.keys(jobs).length} jobs`,
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async queryRange(expr, start, end, stepSeconds) {
      const params = new URLSearchParams({
        query: expr,
        start: String(start / 1000),
        end: String(end / 1000),
        step: String(stepSeconds),
      });
      const response = await fetch(`${url}/api/v1/query_range?${params.toString()}`);
      const body = queryBody.parse(await response.json());
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? body.status}`);
      return body.data?.result ?? [];
    },
    stop,
  };
}
