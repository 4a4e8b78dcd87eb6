/**
 * Secrets the process has read (API keys, tokens, passwords), so that no log line, error
 * message, dead letter or metric can carry them: everything that leaves the process as text
 * passes through redactSecrets, which also removes anything shaped like a provider key.
 */
const known = new Set<string>();

/** Remembers a secret read from the environment (values under 4 characters are ignored). */
export function registerSecret(value: string | null | undefined): void {
  if (value !== null && value !== undefined && value.length >= 4) known.add(value);
}

/** Registers the value (when there is one) and returns it, for reading a secret in one step. */
export function registeredSecret(value: string | null): string | null {
  registerSecret(value);
  return value;
}

const keyLike = /\b(sk-[A-Za-z0-9_-]{6,}|sk-ant-[A-Za-z0-9_-]{6,}|hf_[A-Za-z0-9]{6,})/g;

/** Removes every registered secret, the given ones, and anything that looks like an API key. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of [...known, ...secrets])
    if (secret.length >= 4) out = out.replaceAll(secret, '[redacted]');
  return out.replace(keyLike, '[redacted]');
}

/**
 * A loggable form of any thrown value: name, code, kind, status, message and stack with
 * secrets removed, and the `cause` chain (a few levels) treated the same way. SDK errors carry
 * request headers and bodies in their own fields: those are never copied.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactSecrets(String(error)) };
  const out: Record<string, unknown> = {
    type: error.name,
    message: redactSecrets(error.message),
  };
  for (const field of ['code', 'kind', 'status', 'type'] as const) {
    const value: unknown = Reflect.get(error, field);
    if (typeof value === 'string' || typeof value === 'number')
      out[field === 'type' ? 'kafkaType' : field] = value;
  }
  if (error.stack !== undefined) out['stack'] = redactSecrets(error.stack);
  if (error.cause !== undefined && depth < 4) out['cause'] = safeError(error.cause, depth + 1);
  return out;
}
