import type { StackOptions } from './options.ts';
import type { PartName } from './part.ts';
import { stackPid, stackUp, type StackUpResult } from './stack.ts';

const partNames: readonly PartName[] = ['kafka', 'registry'];

/** What to tell the user when a start is interrupted, given the parts still running. */
export function interruptedMessage(
  signal: NodeJS.Signals,
  running: readonly { part: PartName; pid: number }[],
): string {
  const what = `interrupted (${signal}) while starting the local stack`;
  if (running.length === 0) return `${what}; no part of it is running`;
  const parts = running.map(({ part, pid }) => `${part} (pid ${pid})`).join(', ');
  return `${what}; left running as detached processes: ${parts}. Stop them with: valbench stack down`;
}

/**
 * `stackUp` for a command run by a person: SIGINT or SIGTERM while the stack starts prints which
 * parts were left running (they are detached and outlive this process) with their PIDs and how
 * to stop them, then exits with 130. The signal listeners exist only while the stack starts.
 */
export async function stackUpInterruptibly(
  options: StackOptions,
  say: (line: string) => void,
): Promise<StackUpResult> {
  const onSignal = (signal: NodeJS.Signals): void => {
    const running = partNames.flatMap((part) => {
      const pid = stackPid(options, part);
      return pid === undefined ? [] : [{ part, pid }];
    });
    say(interruptedMessage(signal, running));
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await stackUp(options);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
