import { existsSync, mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError } from '../errors.ts';
import { artifactsCached, resolveArtifacts, type Artifacts } from './artifacts.ts';
import { createBroker } from './broker.ts';
import { stackEndpoints, type StackEndpoints, type StackOptions } from './options.ts';
import {
  partAction,
  partOutcome,
  type PartAction,
  type PartName,
  type PartReport,
  type StackPart,
} from './part.ts';
import { logTail, portIsFree, runningPid, stopProcess } from './processes.ts';
import { createRegistry } from './registry.ts';
import { findJava, findMaven, type Java } from './tools.ts';

export interface StackUpResult extends StackEndpoints {
  /** Both parts answered at once: nothing was started or waited for. */
  alreadyRunning: boolean;
  /** Whether the artifacts had to be fetched (a cold start). */
  downloaded: boolean;
  elapsedMs: number;
  parts: Record<PartName, PartReport>;
}

export interface StackStatus extends StackEndpoints {
  kafka: { pid: number | undefined; answering: boolean };
  registry: { pid: number | undefined; answering: boolean };
}

function stackParts(options: StackOptions): Record<PartName, StackPart> {
  return { kafka: createBroker(options), registry: createRegistry(options) };
}

/** The PID of a part of the stack in this folder when its process runs, else undefined. */
export function stackPid(options: StackOptions, part: PartName): number | undefined {
  return runningPid(stackParts(options)[part].process);
}

async function ensurePortsFree(parts: readonly StackPart[]): Promise<void> {
  const taken: string[] = [];
  for (const part of parts) {
    for (const { port, variable } of part.ports) {
      if (!(await portIsFree(port))) {
        taken.push(`port ${port} for ${part.name} (${variable}) is taken by another process`);
      }
    }
  }
  if (taken.length > 0) {
    throw new ValbenchError(
      'fatal',
      'PORT_TAKEN',
      `${taken.join('; ')}. Stop it, choose other ports, or point KAFKA_BROKERS / SCHEMA_REGISTRY_URL at the running services.`,
    );
  }
}

/**
 * Probes the part until it answers, the deadline passes or the wait is aborted. A failed probe is
 * only retried: nothing is stopped or deleted here, whatever happens.
 */
async function waitUntilAnswering(
  part: StackPart,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  const { process: proc } = part;
  for (;;) {
    signal.throwIfAborted();
    if (await part.answers()) return;
    if (runningPid(proc) === undefined) {
      throw new ValbenchError(
        'fatal',
        'STACK_START_FAILED',
        `${part.name} exited while starting; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ValbenchError(
        'fatal',
        'STACK_START_TIMEOUT',
        `${part.name} did not answer in time and is left running (valbench stack status shows it, valbench stack down stops it); last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    await sleep(250, undefined, { signal });
  }
}

/** Java and the artifacts, resolved only when a part has to be started. */
interface Launcher {
  java: Java;
  artifacts: Artifacts;
  downloaded: boolean;
}

async function prepareLaunch(
  options: StackOptions,
  parts: readonly StackPart[],
): Promise<Launcher> {
  const java = findJava(process.env, 17);
  await ensurePortsFree(parts);
  const downloaded = !artifactsCached(options.cacheDir, options.versions);
  const artifacts = resolveArtifacts(options.cacheDir, options.versions, () =>
    findMaven(process.env),
  );
  mkdirSync(options.stateDir, { recursive: true });
  return { java, artifacts, downloaded };
}

async function bringUp(
  part: StackPart,
  action: PartAction,
  launcher: () => Promise<Launcher>,
  deadline: number,
  signal: AbortSignal,
): Promise<PartReport> {
  const hadData = part.hasData();
  if (action === 'start') {
    const { java, artifacts } = await launcher();
    await part.start(java, artifacts);
  }
  if (action !== 'leave') await waitUntilAnswering(part, deadline, signal);
  return { outcome: partOutcome(action, hadData), pid: runningPid(part.process) };
}

/**
 * Brings up a single-node KRaft broker and an Apicurio registry (file-backed H2, global BACKWARD
 * compatibility), each on the data it already has, and waits until both answer. Each part is
 * looked at on its own: one that answers is left alone, one whose process runs but does not
 * answer yet is waited for, one with no process is started alone. Nothing is ever stopped or
 * deleted here: a slow probe on a busy machine costs time, never data.
 */
export async function stackUp(options: StackOptions): Promise<StackUpResult> {
  const started = Date.now();
  const deadline = started + options.startTimeoutMs;
  const ends = stackEndpoints(options);
  const parts = stackParts(options);
  const actionFor = async (part: StackPart): Promise<PartAction> =>
    partAction({ pid: runningPid(part.process), answering: await part.answers() });
  const [kafkaAction, registryAction] = await Promise.all([
    actionFor(parts.kafka),
    actionFor(parts.registry),
  ]);
  const toStart = [
    ...(kafkaAction === 'start' ? [parts.kafka] : []),
    ...(registryAction === 'start' ? [parts.registry] : []),
  ];
  // Prepared once, by the first part that needs it: both ports are checked before either starts.
  let launching: Promise<Launcher> | undefined;
  const launcher = (): Promise<Launcher> => (launching ??= prepareLaunch(options, toStart));
  // When one part fails, the wait for the other ends too (its process is left running).
  const failed = new AbortController();
  const bring = (part: StackPart, action: PartAction): Promise<PartReport> =>
    bringUp(part, action, launcher, deadline, failed.signal).catch((error: unknown) => {
      failed.abort(error);
      throw error;
    });
  const [kafka, registry] = await Promise.all([
    bring(parts.kafka, kafkaAction),
    bring(parts.registry, registryAction),
  ]);
  const alreadyRunning = kafkaAction === 'leave' && registryAction === 'leave';
  if (!alreadyRunning) {
    writeFileSync(
      join(options.stateDir, 'env'),
      `KAFKA_BROKERS=${ends.kafkaBrokers}\nSCHEMA_REGISTRY_URL=${ends.schemaRegistryUrl}\n`,
    );
  }
  return {
    ...ends,
    alreadyRunning,
    downloaded: launching === undefined ? false : (await launching).downloaded,
    elapsedMs: Date.now() - started,
    parts: { kafka, registry },
  };
}

/**
 * Stops both parts by PID (SIGTERM, then SIGKILL after a grace period) and deletes nothing: the
 * next `stackUp` runs on the same broker data and registry database. Idempotent.
 */
export async function stackDown(options: StackOptions): Promise<{ stopped: PartName[] }> {
  const parts = stackParts(options);
  const stopped: PartName[] = [];
  // The registry first: it does not need the broker, and stopping it is quick.
  if (await stopProcess(parts.registry.process, 15_000)) stopped.push('registry');
  if (await stopProcess(parts.kafka.process, 30_000)) stopped.push('kafka');
  return { stopped };
}

/**
 * Stops the stack and deletes everything it stored: broker data (every record of every topic),
 * the registry database (every schema), logs and PID files. Only the paths the stack writes are
 * removed; the folder itself goes only when nothing else is left in it. Idempotent.
 */
export async function stackReset(
  options: StackOptions,
): Promise<{ stopped: PartName[]; deleted: string[] }> {
  const { stopped } = await stackDown(options);
  const parts = stackParts(options);
  const owned = [
    ...parts.kafka.ownedPaths,
    ...parts.registry.ownedPaths,
    join(options.stateDir, 'env'),
  ];
  const deleted = owned.filter((path) => existsSync(path));
  for (const path of deleted) rmSync(path, { recursive: true, force: true });
  try {
    rmdirSync(options.stateDir);
  } catch {
    // Missing, or holding files that are not the stack's: left as it is.
  }
  return { stopped, deleted };
}

/** Whether each part's process runs and whether it answers, probed once. */
export async function stackStatus(options: StackOptions): Promise<StackStatus> {
  const parts = stackParts(options);
  const look = async (part: StackPart): Promise<StackStatus['kafka']> => ({
    pid: runningPid(part.process),
    answering: await part.answers(),
  });
  const [kafka, registry] = await Promise.all([look(parts.kafka), look(parts.registry)]);
  return { ...stackEndpoints(options), kafka, registry };
}
