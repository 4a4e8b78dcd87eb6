import { existsSync, readFileSync } from 'node:fs';

/** Parsed `--name value` / `--name=value` / `--flag` arguments: the last value of each name. */
export type Flags = Map<string, string>;

/** Every value of a flag given several times (`--run a --run b`), in order. */
const repeated = new WeakMap<Flags, Map<string, string[]>>();

export function parseFlags(
  args: readonly string[],
  booleans: ReadonlySet<string>,
): { flags: Flags; problems: string[] } {
  const flags: Flags = new Map();
  const all = new Map<string, string[]>();
  repeated.set(flags, all);
  const set = (name: string, value: string): void => {
    flags.set(name, value);
    all.set(name, [...(all.get(name) ?? []), value]);
  };
  const problems: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) set(name, arg.slice(eq + 1));
    else if (booleans.has(name)) set(name, 'true');
    else {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) problems.push(`--${name} needs a value`);
      else {
        set(name, value);
        i += 1;
      }
    }
  }
  return { flags, problems };
}

/** Reads KEY=VALUE lines of a .env file (no expansion); the real environment wins over it. */
export function loadDotEnv(path: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!existsSync(path)) return env;
  const merged: NodeJS.ProcessEnv = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined || line.trimStart().startsWith('#')) continue;
    merged[match[1]] = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
  }
  return { ...merged, ...env };
}

/**
 * Reads settings from flags first, then the environment (VALBENCH_<NAME>, upper snake case),
 * collecting every problem instead of stopping at the first.
 */
export function createSettings(flags: Flags, env: NodeJS.ProcessEnv) {
  const problems: string[] = [];
  const used = new Set<string>();
  const raw = (name: string): string | undefined => {
    used.add(name);
    return flags.get(name) ?? env[`VALBENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  };
  return {
    problems,
    used,
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    optionalString(name: string): string | null {
      return raw(name) ?? null;
    },
    /** Every value of a repeatable flag, each also split at commas (`--run a --run b,c`). */
    list(name: string): string[] {
      const given = repeated.get(flags)?.get(name) ?? [];
      const values = given.length > 0 ? given : [raw(name)].filter((v) => v !== undefined);
      used.add(name);
      return values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
    },
    number(
      name: string,
      fallback: number,
      check: { min?: number; max?: number; integer?: boolean } = {},
    ): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      const bad =
        value.trim() === '' ||
        !Number.isFinite(n) ||
        (check.integer === true && !Number.isInteger(n)) ||
        (check.min !== undefined && n < check.min) ||
        (check.max !== undefined && n > check.max);
      if (bad) {
        const range = [
          check.integer === true ? 'an integer' : 'a number',
          check.min !== undefined ? `>= ${check.min}` : '',
          check.max !== undefined ? `<= ${check.max}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        problems.push(`--${name}=${value}: must be ${range}`);
        return fallback;
      }
      return n;
    },
    optionalNumber(name: string, check: { min?: number; integer?: boolean } = {}): number | null {
      const value = raw(name);
      if (value === undefined) return null;
      return this.number(name, 0, check);
    },
    boolean(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      problems.push(`--${name}=${value}: must be true or false`);
      return fallback;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      const found = allowed.find((a) => a === value);
      if (found === undefined) {
        problems.push(`--${name}=${value}: must be one of ${allowed.join(', ')}`);
        return fallback;
      }
      return found;
    },
    /** Flags given that no setting read: typos are problems, not silently ignored. */
    unknownFlags(): string[] {
      return [...flags.keys()].filter((k) => !used.has(k)).map((k) => `unknown option --${k}`);
    },
  };
}

/** The settings reader `createSettings` returns. */
export type Settings = ReturnType<typeof createSettings>;
