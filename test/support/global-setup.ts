/**
 * Vitest global setup for the integration and end-to-end projects: finds a real Kafka broker and
 * schema registry and provides their addresses to the tests. In order:
 * 1. KAFKA_BROKERS and SCHEMA_REGISTRY_URL from the environment, when both are set;
 * 2. testcontainers, when a Docker runtime answers;
 * 3. the project's local stack (Maven Central jars on Java 17), started here and stopped after.
 * It never skips: if none can be had, setup throws and the run fails with the reason.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { stackOptionsFromEnv } from '../../lib/stack/options.ts';
import { describePart } from '../../lib/stack/part.ts';
import { stackDown, stackUp } from '../../lib/stack/stack.ts';
import { startContainers, type Containers } from './containers.ts';

interface SharedStack {
  refs: number;
  ready: Promise<{ brokers: string; registry: string; source: string; stop: () => Promise<void> }>;
}

declare global {
  var valbenchTestStack: SharedStack | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
    stackSource: string;
  }
}

const projectRoot = join(import.meta.dirname, '..', '..');

async function acquire(): Promise<Awaited<SharedStack['ready']>> {
  const brokers = process.env['KAFKA_BROKERS'];
  const registry = process.env['SCHEMA_REGISTRY_URL'];
  if (brokers !== undefined && brokers !== '' && registry !== undefined && registry !== '') {
    return { brokers, registry, source: 'environment', stop: () => Promise.resolve() };
  }
  let containers: Containers | undefined;
  try {
    containers = await startContainers();
  } catch (error) {
    console.error(
      `[global-setup] no Docker runtime (${String(error).split('\n')[0]}); using the local stack`,
    );
  }
  if (containers !== undefined) {
    return {
      brokers: containers.brokers,
      registry: containers.registryUrl,
      source: 'testcontainers',
      stop: containers.stop,
    };
  }
  const options = stackOptionsFromEnv(process.env, projectRoot);
  const up = await stackUp(options);
  console.error(
    `[global-setup] local stack ${up.alreadyRunning ? 'already running' : `ready in ${(up.elapsedMs / 1000).toFixed(1)} s (${describePart('kafka', up.parts.kafka)}; ${describePart('registry', up.parts.registry)})`}: ${up.kafkaBrokers}, ${up.schemaRegistryUrl}`,
  );
  return {
    brokers: up.kafkaBrokers,
    registry: up.schemaRegistryUrl,
    source: 'local stack',
    // A stack that was already running belongs to the developer: leave it up. Stopping keeps
    // the stack's data, so the next run starts on it.
    stop: up.alreadyRunning
      ? () => Promise.resolve()
      : async () => {
          await stackDown(options);
        },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Both the integration and e2e projects name this file; they share one stack.
  globalThis.valbenchTestStack ??= { refs: 0, ready: acquire() };
  const shared = globalThis.valbenchTestStack;
  shared.refs += 1;
  const stack = await shared.ready;
  project.provide('kafkaBrokers', stack.brokers);
  project.provide('schemaRegistryUrl', stack.registry);
  project.provide('stackSource', stack.source);
  return async () => {
    shared.refs -= 1;
    if (shared.refs === 0) {
      globalThis.valbenchTestStack = undefined;
      await stack.stop();
    }
  };
}
