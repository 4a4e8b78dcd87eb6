import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifacts } from './artifacts.ts';
import { stackEndpoints, type StackOptions } from './options.ts';
import type { StackPart } from './part.ts';
import { stackJvmFlags, startDetached } from './processes.ts';
import type { Java } from './tools.ts';

/** True when the registry answers a subjects call. */
export async function registryAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The Apicurio registry (global BACKWARD compatibility) on its SQL storage, in a file-backed H2
 * database under `registry/`: schemas and their ids outlive restarts and SIGKILL, so the ids
 * written into stored records keep resolving, and a new schema never reuses an old id.
 */
export function createRegistry(options: StackOptions): StackPart {
  const dataDir = join(options.stateDir, 'registry');
  const database = join(dataDir, 'registry');
  const proc = {
    name: 'registry',
    pidFile: join(options.stateDir, 'registry.pid'),
    logFile: join(options.stateDir, 'registry.log'),
    marker: 'apicurio',
  };
  // H2 flushes a commit up to WRITE_DELAY (default 500 ms) later. Measured here: a registry
  // killed with SIGKILL right after registering lost those schemas, and the next ones got the
  // same ids, so stored records would decode with the wrong schema. WRITE_DELAY=0 writes each
  // commit out at once. DB_CLOSE_ON_EXIT=FALSE leaves the close to Quarkus on a clean stop.
  const url = `jdbc:h2:file:${database};DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0`;
  return {
    name: 'registry',
    process: proc,
    ports: [{ port: options.registryPort, variable: 'VALBENCH_REGISTRY_PORT' }],
    ownedPaths: [dataDir, proc.pidFile, proc.logFile],
    hasData: () => existsSync(`${database}.mv.db`),
    answers: () => registryAnswers(stackEndpoints(options).schemaRegistryUrl),
    start(java: Java, artifacts: Artifacts) {
      mkdirSync(dataDir, { recursive: true });
      startDetached(
        proc,
        java.command,
        [
          '-Xmx512m',
          ...stackJvmFlags,
          `-Dquarkus.http.port=${options.registryPort}`,
          '-Dquarkus.http.host=127.0.0.1',
          '-Dapicurio.rules.global.compatibility=BACKWARD',
          '-Dapicurio.storage.kind=sql',
          '-Dapicurio.storage.sql.kind=h2',
          // The app's defaults give the H2 datasource user and password (sa / sa).
          `-Dapicurio.datasource.url=${url}`,
          '-Dquarkus.log.console.color=false',
          '-jar',
          artifacts.apicurioJar,
        ],
        artifacts.apicurioHome,
      );
      return Promise.resolve();
    },
  };
}
