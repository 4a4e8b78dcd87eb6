/**
 * The local stack keeps its data. A PRIVATE stack (its own temp folder and free ports, never the
 * shared test stack) is stopped, SIGKILLed part by part and interrupted while starting; after
 * each `stackUp` the records and schemas written before are still there and decode, and only the
 * part that was down was started. It ends with `valbench stack reset`, which alone deletes data.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../../../lib/kafka/codec.ts';
import { createPublisher } from '../../../../lib/kafka/publish.ts';
import { createSchemaRegistry } from '../../../../lib/kafka/registry.ts';
import { ensureTopics } from '../../../../lib/kafka/topics.ts';
import type { PromptPair } from '../../../../lib/records/types.gen.ts';
import { stackOptionsFromEnv, type StackOptions } from '../../../../lib/stack/options.ts';
import type { PartName } from '../../../../lib/stack/part.ts';
import { stackDown, stackPid, stackReset, stackUp } from '../../../../lib/stack/stack.ts';
import { keepForGood, topicNames, topicSpecs } from '../../../../lib/topics.ts';
import { samplePrompt } from '../../../support/fixtures.ts';
import { connectCluster, readMessages, waitFor } from '../../../support/kafka.ts';
import { freePorts } from '../../../support/ports.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const names = topicNames('durable.');
const prompts = ['1', '2', '3'].map((pairId) => samplePrompt(pairId));
let options: StackOptions;
/** Schema ids registered so far: a new schema must never get one of them. */
const schemaIds: number[] = [];

function urls(): { brokers: string; registry: string } {
  return {
    brokers: `127.0.0.1:${options.kafkaPort}`,
    registry: `http://127.0.0.1:${options.registryPort}/apis/ccompat/v7`,
  };
}

/** The prompts on the topic, decoded by a fresh codec: every writer schema comes from the registry. */
async function storedPrompts(): Promise<PromptPair[]> {
  const cluster = await connectCluster(urls().brokers, urls().registry);
  try {
    const messages = await readMessages(cluster, names.prompts, prompts.length);
    const codec = createCodec(
      createSchemaRegistry({ url: urls().registry }),
      'prompt',
      names.prompts,
    );
    const decoded = await Promise.all(messages.map((m) => codec.decode(m.value)));
    return decoded.sort((a, b) => a.pairId.localeCompare(b.pairId));
  } finally {
    await cluster.close();
  }
}

async function sigkill(part: PartName): Promise<number> {
  const pid = stackPid(options, part);
  if (pid === undefined) throw new Error(`${part} is not running`);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => stackPid(options, part) === undefined, `${part} gone after SIGKILL`);
  return pid;
}

/** `valbench <args>` against the private stack, stdin a pipe (not a terminal). */
function valbench(args: string[]): {
  lines: string[];
  interrupt: () => void;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [join(root, 'cli', 'main.ts'), ...args], {
    env: {
      ...process.env,
      VALBENCH_STACK_DIR: options.stateDir,
      VALBENCH_KAFKA_PORT: String(options.kafkaPort),
      VALBENCH_KAFKA_CONTROLLER_PORT: String(options.controllerPort),
      VALBENCH_REGISTRY_PORT: String(options.registryPort),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(signal === null ? code : null);
    });
  });
  return {
    lines,
    interrupt: () => {
      child.kill('SIGINT');
    },
    exit,
  };
}

beforeAll(async () => {
  const [kafkaPort, controllerPort, registryPort] = await freePorts(3);
  if (kafkaPort === undefined || controllerPort === undefined || registryPort === undefined) {
    throw new Error('no free ports');
  }
  options = {
    ...stackOptionsFromEnv(process.env, root),
    stateDir: mkdtempSync(join(tmpdir(), 'valbench-durable-')),
    kafkaPort,
    controllerPort,
    registryPort,
  };
  const up = await stackUp(options);
  expect(up.parts.kafka.outcome).toBe('started');
  expect(up.parts.registry.outcome).toBe('started');
}, 180_000);

afterAll(async () => {
  await stackReset(options);
  rmSync(options.stateDir, { recursive: true, force: true });
}, 60_000);

describe('a durable local stack', () => {
  it('creates the pipeline topics with unlimited retention and reports a topic with other settings', async () => {
    const cluster = await connectCluster(urls().brokers, urls().registry);
    try {
      expect(await ensureTopics(cluster.admin, topicSpecs(names, 2))).toEqual([]);
      const pipeline = [names.prompts, names.responses, names.judgments, names.deadLetters];
      const described = await cluster.admin.describeConfigs({
        includeSynonyms: false,
        resources: pipeline.map((name) => ({
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name,
          configNames: Object.keys(keepForGood),
        })),
      });
      const configs = Object.fromEntries(
        described.resources.map((r) => [
          r.resourceName,
          Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
        ]),
      );
      const unlimited = {
        'cleanup.policy': 'delete',
        'retention.ms': '-1',
        'retention.bytes': '-1',
      };
      expect(configs).toEqual(Object.fromEntries(pipeline.map((name) => [name, unlimited])));

      const other = topicNames('durable-other.');
      const week = '604800000';
      await ensureTopics(cluster.admin, [
        { topic: other.responses, partitions: 1, configs: { 'retention.ms': week } },
      ]);
      expect(await ensureTopics(cluster.admin, topicSpecs(other, 2))).toEqual([
        `topic ${other.responses} has 1 partitions, fewer than the 2 configured`,
        `topic ${other.responses} has retention.ms=${week}, expected -1: its records will be deleted; set it with kafka-configs or recreate the topic`,
      ]);
      // Reported, never changed: altering an existing topic is the operator's call.
      const after = await cluster.admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: other.responses,
            configNames: ['retention.ms'],
          },
        ],
      });
      expect(after.resources[0]?.configEntries[0]?.configValue).toBe(week);
    } finally {
      await cluster.close();
    }
  });

  it('keeps records, schemas and the cluster id across stack down and up', async () => {
    const cluster = await connectCluster(urls().brokers, urls().registry);
    const clusterId = (await cluster.admin.describeCluster()).clusterId;
    const producer = cluster.kafka.producer();
    await producer.connect();
    try {
      const codec = createCodec(cluster.registry, 'prompt', names.prompts);
      schemaIds.push(await codec.register());
      await createPublisher(producer, codec, names.prompts).publish(
        prompts.map((value) => ({ key: `${value.runId}/${value.pairId}`, value })),
      );
    } finally {
      await producer.disconnect();
      await cluster.close();
    }

    expect((await stackDown(options)).stopped).toEqual(['registry', 'kafka']);
    expect(existsSync(join(options.stateDir, 'kafka-data', 'meta.properties'))).toBe(true);
    expect(existsSync(join(options.stateDir, 'registry', 'registry.mv.db'))).toBe(true);

    const up = await stackUp(options);
    expect(up.parts.kafka.outcome).toBe('restarted');
    expect(up.parts.registry.outcome).toBe('restarted');
    expect(await storedPrompts()).toEqual(prompts);
    const again = await connectCluster(urls().brokers, urls().registry);
    try {
      expect((await again.admin.describeCluster()).clusterId).toBe(clusterId);
    } finally {
      await again.close();
    }
  }, 90_000);

  it('restarts only the broker after a SIGKILL, on its data', async () => {
    const registryPid = stackPid(options, 'registry');
    const killed = await sigkill('kafka');
    const up = await stackUp(options);
    expect(up.parts.kafka.outcome).toBe('restarted');
    expect(up.parts.kafka.pid).not.toBe(killed);
    expect(up.parts.registry).toEqual({ outcome: 'running', pid: registryPid });
    expect(await storedPrompts()).toEqual(prompts);
  }, 90_000);

  it('restarts only the registry after a SIGKILL right after a registration; ids continue', async () => {
    const kafkaPid = stackPid(options, 'kafka');
    const registered = createCodec(
      createSchemaRegistry({ url: urls().registry }),
      'response',
      names.responses,
    );
    const responseId = await registered.register();
    schemaIds.push(responseId);
    await sigkill('registry');

    const up = await stackUp(options);
    expect(up.parts.registry.outcome).toBe('restarted');
    expect(up.parts.kafka).toEqual({ outcome: 'running', pid: kafkaPid });
    // The old schema id still resolves: the stored records decode.
    expect(await storedPrompts()).toEqual(prompts);
    const registry = createSchemaRegistry({ url: urls().registry });
    // The schema registered just before the kill is still there, under its id.
    expect(await createCodec(registry, 'response', names.responses).register()).toBe(responseId);
    const newId = await createCodec(registry, 'judgment', names.judgments).register();
    expect(schemaIds).not.toContain(newId);
    expect(newId).toBeGreaterThan(Math.max(...schemaIds));
  }, 90_000);

  it('Ctrl-C while starting says which parts were left running; the next up waits for them', async () => {
    const kafkaPid = stackPid(options, 'kafka');
    const killed = await sigkill('registry');
    const up = valbench(['stack', 'up']);
    let started: number | undefined;
    await waitFor(() => {
      started = stackPid(options, 'registry');
      return started !== undefined && started !== killed;
    }, 'the CLI starting the registry');
    up.interrupt();
    expect(await up.exit).toBe(130);
    expect(up.lines.join('\n')).toContain(
      `left running as detached processes: kafka (pid ${kafkaPid}), registry (pid ${started}). Stop them with: valbench stack down`,
    );

    // The registry the CLI started is still starting: waited for, not started again.
    const next = await stackUp(options);
    expect(next.parts.registry).toEqual({ outcome: 'waited', pid: started });
    expect(next.parts.kafka).toEqual({ outcome: 'running', pid: kafkaPid });
  }, 90_000);

  it('stack reset refuses without --yes when stdin is not a terminal, and deletes nothing', async () => {
    const pids = [stackPid(options, 'kafka'), stackPid(options, 'registry')];
    const reset = valbench(['stack', 'reset']);
    expect(await reset.exit).toBe(1);
    expect(reset.lines.join('\n')).toMatch(/stdin is not a terminal to ask on: pass --yes/);
    expect([stackPid(options, 'kafka'), stackPid(options, 'registry')]).toEqual(pids);
    expect(existsSync(join(options.stateDir, 'kafka-data', 'meta.properties'))).toBe(true);
    expect(existsSync(join(options.stateDir, 'registry', 'registry.mv.db'))).toBe(true);
  });

  it('stack reset --yes stops the stack and deletes its data', async () => {
    const reset = valbench(['stack', 'reset', '--yes']);
    expect(await reset.exit).toBe(0);
    expect(stackPid(options, 'kafka')).toBeUndefined();
    expect(stackPid(options, 'registry')).toBeUndefined();
    expect(existsSync(join(options.stateDir, 'kafka-data'))).toBe(false);
    expect(existsSync(join(options.stateDir, 'registry'))).toBe(false);
    // Nothing but the stack's own files was in the folder, so the folder is gone too.
    expect(existsSync(options.stateDir)).toBe(false);
  }, 60_000);
});
