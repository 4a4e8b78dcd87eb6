/**
 * Each stage as its own `valbench` process, as in production. A long-running stage is supervised
 * like docker-compose.yml's `restart: on-failure`: when it exits on its own with a non-zero code
 * it is started again after a second, and the exit is recorded (the chaos report shows it).
 * Exits the harness caused (SIGKILL, SIGTERM) are never restarted by the supervisor.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnValbench, type CliProcess } from '../cli.ts';

/** `valbench <args>` as its own process, its output also appended to a log file. */
export function spawnLogged(
  args: readonly string[],
  env: Record<string, string>,
  logFile: string,
): CliProcess {
  const run = spawnValbench(args, env);
  const append = (chunk: Buffer): void => {
    appendFileSync(logFile, chunk);
  };
  run.child.stdout?.on('data', append);
  run.child.stderr?.on('data', append);
  return run;
}

/** An exit the harness did not cause. */
export interface UnexpectedExit {
  stage: string;
  code: number | null;
  at: number;
  lastLines: string[];
}

export interface SupervisedStage {
  readonly name: string;
  /** The current process run. */
  current(): CliProcess;
  /** The current process runs and said so (its ready line). */
  ready(): boolean;
  /** SIGKILL (no drain, nothing committed); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the stage again (after kill). */
  restart(): void;
  /**
   * SIGTERM and wait: the stage drains, commits and exits; it is not restarted. A stage still
   * running after `timeoutMs` is killed: 'hung' then stands for its exit code.
   */
  stop(timeoutMs: number): Promise<number | null | 'hung'>;
}

/** Starts a long-running stage under supervision (restart on failure, like the compose file). */
export function superviseStage(
  name: string,
  /** The line the stage logs once it runs, e.g. 'judge running'. */
  readyLine: string,
  args: readonly string[],
  env: Record<string, string>,
  logDir: string,
  onUnexpectedExit: (exit: UnexpectedExit) => void,
): SupervisedStage {
  const logFile = join(logDir, `${name}.log`);
  let run: CliProcess;
  let intended = false;
  const start = (): void => {
    intended = false;
    const mine = spawnLogged(args, env, logFile);
    run = mine;
    void mine.exit.then(async (code) => {
      if (intended || run !== mine) return;
      onUnexpectedExit({ stage: name, code, at: Date.now(), lastLines: mine.lines.slice(-10) });
      if (code === 0) return;
      await sleep(1_000);
      if (!intended && run === mine) start();
    });
  };
  start();
  const signal = async (sig: NodeJS.Signals): Promise<number | null> => {
    intended = true;
    const mine = run;
    if (mine.child.exitCode === null && mine.child.signalCode === null) mine.child.kill(sig);
    return mine.exit;
  };
  return {
    name,
    current: () => run,
    ready: () =>
      !intended &&
      run.child.exitCode === null &&
      run.child.signalCode === null &&
      run.lines.some((line) => line.includes(readyLine)),
    async kill() {
      await signal('SIGKILL');
    },
    restart: start,
    async stop(timeoutMs) {
      const stopped = signal('SIGTERM');
      const timer = sleep(timeoutMs, 'hung' as const, { ref: false });
      const first = await Promise.race([stopped, timer]);
      if (first === 'hung') await signal('SIGKILL');
      return first;
    },
  };
}

/** The first line of the run that contains `text`, waiting for it to be printed. */
export async function lineOf(run: CliProcess, text: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = run.lines.find((l) => l.includes(text));
    if (line !== undefined) return line;
    const ended = run.child.exitCode !== null || run.child.signalCode !== null;
    if (ended || Date.now() > deadline)
      throw new Error(`no line with '${text}':\n${run.lines.slice(-20).join('\n')}`);
    await sleep(50);
  }
}
