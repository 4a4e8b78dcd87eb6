import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeExpectations } from '../../../scripts/compose-expectations.ts';

// tools/compose-check (Go, compose-go's LoadProject) against docker-compose.yml and broken copies
// of it. The first build on a fresh machine downloads the pinned modules from the Go module proxy.
const root = join(import.meta.dirname, '..', '..', '..');
const composeFile = join(root, 'docker-compose.yml');
const work = mkdtempSync(join(tmpdir(), 'valbench-compose-check-'));
const binary = join(work, 'compose-check');
const expectFile = join(work, 'expect.json');

function findGo(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/go/bin'];
  const found = dirs.map((dir) => join(dir, 'go')).find((path) => existsSync(path));
  if (found === undefined)
    throw new Error('Go is needed for tools/compose-check: not on PATH nor in /usr/local/go/bin');
  return found;
}

interface Outcome {
  status: number | null;
  problems: string[];
  stderr: string;
}

function check(file: string): Outcome {
  const run = spawnSync(
    binary,
    ['--expect', expectFile, '--project-dir', root, '--readme', join(root, 'README.md'), file],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return {
    status: run.status,
    problems: run.stdout.split('\n').filter((line) => line !== ''),
    stderr: run.stderr,
  };
}

/** A copy of docker-compose.yml with one change, in a folder of its own under the temporary one. */
function brokenCopy(name: string, from: string, to: string): string {
  const text = readFileSync(composeFile, 'utf8');
  if (!text.includes(from))
    throw new Error(`docker-compose.yml no longer holds ${JSON.stringify(from)}`);
  const dir = join(work, name);
  mkdirSync(dir);
  const path = join(dir, 'docker-compose.yml');
  writeFileSync(path, text.replace(from, to));
  return path;
}

beforeAll(() => {
  const build = spawnSync(findGo(), ['build', '-o', binary, '.'], {
    cwd: join(root, 'tools', 'compose-check'),
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false' },
    timeout: 290_000,
  });
  if (build.status !== 0)
    throw new Error(`go build of tools/compose-check failed: ${build.stderr}`);
  writeFileSync(expectFile, JSON.stringify(composeExpectations(root)));
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  it('loads with compose-go, its variables unset and set, with every check passing', () => {
    const outcome = check(composeFile);
    expect(outcome.problems).toEqual([]);
    expect(outcome.status).toBe(0);
    expect(outcome.stderr).toMatch(/loads: \d+ services .*serve.*VALBENCH_KAFKA_PORT/);
  });
});

describe('a broken copy of docker-compose.yml fails, naming the problem', () => {
  it.each([
    {
      what: 'a mount of a missing path',
      from: '- ./test/fixtures:/data:ro',
      to: '- ./test/no-such-folder:/data:ro',
      problem: 'service producer: bind mount test/no-such-folder (at /data) does not exist',
    },
    {
      what: 'a depends_on on a missing service',
      from: '    image: grafana/grafana:12.1.0\n',
      to: '    image: grafana/grafana:12.1.0\n    depends_on: [ghost]\n',
      problem: 'service "grafana" depends on undefined service "ghost"',
    },
    {
      what: 'a schema error',
      from: '    image: apache/kafka:3.9.1\n',
      to: '    image: apache/kafka:3.9.1\n    hostnme: kafka\n',
      problem: 'hostnme',
    },
    {
      what: 'a flag the stage command no longer takes',
      from: "['judge', '--metrics-port', '9466']",
      to: "['judge', '--provider', 'openai', '--metrics-port', '9466']",
      problem: 'service judge: `valbench judge` takes no --provider',
    },
    {
      what: 'a required variable',
      from: 'image: prom/prometheus:v3.5.0',
      to: 'image: ${PROMETHEUS_IMAGE:?set it}',
      problem: '${PROMETHEUS_IMAGE} is required',
    },
    {
      what: 'a variable without a default',
      from: "- '9090:9090'",
      to: "- '${PROMETHEUS_PORT}:9090'",
      problem:
        'load (variables unset): The "PROMETHEUS_PORT" variable is not set. Defaulting to a blank string.',
    },
    {
      what: 'a metrics port Prometheus does not scrape',
      from: "['respond', '--metrics-port', '9465']",
      to: "['respond', '--metrics-port', '9475']",
      problem:
        'prometheus job valbench-stages scrapes responder:9465, but responder serves /metrics on 9475',
    },
    {
      what: 'a port moved from the local stack and not listed in the README',
      from: "- '9464:9464'",
      to: "- '19464:9464'",
      problem:
        "README.md does not list `9464` among the differences from the local stack: aggregator's port 9464 is not published on the host",
    },
    {
      what: 'a header that no longer lists a difference',
      from: '#   `9093`: the Kafka controller is not published on the host;\n',
      to: '',
      problem: 'docker-compose.yml does not list `9093`',
    },
  ])('$what', ({ what, from, to, problem }) => {
    const outcome = check(brokenCopy(what.replaceAll(' ', '-'), from, to));
    expect(outcome.status).toBe(1);
    expect(outcome.problems.join('\n')).toContain(problem);
  });
});
