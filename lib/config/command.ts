import { ConfigError } from '../errors.ts';
import { createSettings, loadDotEnv, parseFlags, type Settings } from './args.ts';

export interface CommandInput {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  help: boolean;
}

/**
 * Parses a command's arguments against its boolean flags, with the environment merged over a
 * `.env` file in the working directory. Problems found while parsing join those the readers find.
 */
export function readCommand(
  args: readonly string[],
  booleans: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): CommandInput {
  const { flags, problems } = parseFlags(args, new Set([...booleans, 'help']));
  const env = loadDotEnv('.env', processEnv);
  const settings = createSettings(flags, env);
  settings.problems.push(...problems);
  settings.used.add('help');
  return { settings, env, help: flags.has('help') };
}

/** Ends reading: unknown flags are problems too; any problem stops the command (exit 1). */
export function finishSettings(settings: Settings): void {
  settings.problems.push(...settings.unknownFlags());
  if (settings.problems.length > 0) throw new ConfigError(settings.problems);
}

/** `--<name> PORT` (0 = any free port), or null when the flag is `off`. */
export function readListen(
  s: Settings,
  name: string,
  fallback: number | null,
): { port: number; host: string } | null {
  const raw = s.optionalString(name);
  const host = s.string(`${name.replace(/-port$/, '')}-host`, '0.0.0.0');
  if (raw === 'off') return null;
  if (raw === null) return fallback === null ? null : { port: fallback, host };
  const port = s.number(name, 0, { min: 0, max: 65535, integer: true });
  return { port, host };
}
