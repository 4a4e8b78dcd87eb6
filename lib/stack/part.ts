import type { Artifacts } from './artifacts.ts';
import type { ManagedProcess } from './processes.ts';
import type { Java } from './tools.ts';

/** The two processes of the local stack. */
export type PartName = 'kafka' | 'registry';

/** One process of the local stack, with its data under the stack folder. */
export interface StackPart {
  readonly name: PartName;
  readonly process: ManagedProcess;
  /** The ports it listens on, each named by the variable that sets it. */
  readonly ports: readonly { port: number; variable: string }[];
  /**
   * Every file and folder it writes under the stack folder (data, log, PID file, generated
   * configuration): what `stack reset` deletes, and nothing else ever does.
   */
  readonly ownedPaths: readonly string[];
  /** True when its stored data exists, so a start is a restart on that data. */
  hasData(): boolean;
  /** One readiness probe; false on any failure, which says nothing about the process itself. */
  answers(): Promise<boolean>;
  /** Starts the process detached, on its existing data (or on new storage when there is none). */
  start(java: Java, artifacts: Artifacts): Promise<void>;
}

/** What one look at a part found: its process (ours, by PID file and command line) and its answer. */
export interface PartProbe {
  pid: number | undefined;
  answering: boolean;
}

/** What `stackUp` does with a part. */
export type PartAction = 'leave' | 'wait' | 'start';

/**
 * A part that answers is left alone (even when it is not ours: another checkout's stack on the
 * same port serves as well). A running process that does not answer yet is waited for, never
 * restarted: a failed probe on a busy machine says nothing about its data. Only a part with no
 * process is started, on the data it has.
 */
export function partAction(probe: PartProbe): PartAction {
  if (probe.answering) return 'leave';
  return probe.pid === undefined ? 'start' : 'wait';
}

/** What `stackUp` did with a part. */
export type PartOutcome = 'running' | 'waited' | 'started' | 'restarted';

/** The outcome of an action: a start on existing data is a restart. */
export function partOutcome(action: PartAction, hadData: boolean): PartOutcome {
  switch (action) {
    case 'leave':
      return 'running';
    case 'wait':
      return 'waited';
    case 'start':
      return hadData ? 'restarted' : 'started';
  }
}

/** A part as `stackUp` left it. */
export interface PartReport {
  outcome: PartOutcome;
  /** Its process, or undefined when another stack answers on its port. */
  pid: number | undefined;
}

/** One phrase for the user, e.g. "kafka restarted on its existing data, pid 4242". */
export function describePart(name: PartName, { outcome, pid }: PartReport): string {
  const proc = pid === undefined ? 'not a process of this stack folder' : `pid ${pid}`;
  switch (outcome) {
    case 'running':
      return `${name} already running, ${proc}`;
    case 'waited':
      return `${name} did not answer at first: waited until it did, ${proc}`;
    case 'started':
      return `${name} started on new storage, ${proc}`;
    case 'restarted':
      return `${name} restarted on its existing data, ${proc}`;
  }
}
