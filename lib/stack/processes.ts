import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A long-running child process owned by the stack, tracked by a PID file. */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  logFile: string;
  /** A word that must appear in /proc/<pid>/cmdline, so a reused PID is never mistaken for ours. */
  marker: string;
}

/** The PID of the process if it is running and is ours, else undefined. */
export function runningPid(proc: ManagedProcess): number | undefined {
  if (!existsSync(proc.pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(proc.pidFile, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(proc.marker)) return undefined;
  } catch {
    // No /proc (not Linux): trust the signal check.
  }
  return pid;
}

/**
 * The JVM flags of the stack's broker and registry: the client compiler only. On a laptop's few
 * cores the optimizing compiler's threads take most of a core for the first minutes of a run (a
 * fresh broker spent 12.3 s of CPU on its first 10,000 pairs with it, 4.9 s without; warmed up,
 * 2.8 s against 3.8 s), which the pipeline's own processes feel as slower model calls.
 */
export const stackJvmFlags = ['-XX:TieredStopAtLevel=1'];

/** Starts the command detached from this process, output appended to the log file. */
export function startDetached(
  proc: ManagedProcess,
  command: string,
  args: readonly string[],
  cwd: string,
): number {
  const fd = openSync(proc.logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${proc.name} (${command})`);
    child.unref();
    writeFileSync(proc.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Stops the process by PID: SIGTERM, then SIGKILL after the grace period. Idempotent. */
export async function stopProcess(proc: ManagedProcess, graceMs: number): Promise<boolean> {
  const pid = runningPid(proc);
  if (pid === undefined) {
    rmSync(proc.pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && runningPid(proc) !== undefined) await sleep(200);
  if (runningPid(proc) !== undefined) {
    process.kill(pid, 'SIGKILL');
    while (runningPid(proc) !== undefined) await sleep(100);
  }
  rmSync(proc.pidFile, { force: true });
  return true;
}

/** True when nothing listens on 127.0.0.1:port. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** The last lines of a log file, to explain a process that died while starting. */
export function logTail(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
