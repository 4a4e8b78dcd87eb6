import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ValbenchError } from '../errors.ts';

/** The Java the stack runs with. */
export interface Java {
  command: string;
  major: number;
}

function versionOutput(command: string, args: string[]): string | undefined {
  // `java -version` prints to stderr, `mvn -v` to stdout: read both.
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
}

/** Finds java (JAVA_HOME first, then PATH); a clear fatal error says what is missing. */
export function findJava(env: NodeJS.ProcessEnv, minimumJava: number): Java {
  const java = env['JAVA_HOME'] === undefined ? 'java' : join(env['JAVA_HOME'], 'bin', 'java');
  const javaVersion = versionOutput(java, ['-version']);
  if (javaVersion === undefined) {
    throw new ValbenchError(
      'fatal',
      'JAVA_MISSING',
      `Java ${minimumJava}+ is needed to run the local Kafka and registry, and '${java}' did not run. Install a JDK (e.g. apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME; or point KAFKA_BROKERS and SCHEMA_REGISTRY_URL at a running stack.`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(javaVersion);
  let major = match?.[1] === undefined ? 0 : Number.parseInt(match[1], 10);
  if (major === 1 && match?.[2] !== undefined) major = Number.parseInt(match[2], 10);
  if (major < minimumJava) {
    throw new ValbenchError(
      'fatal',
      'JAVA_TOO_OLD',
      `Java ${minimumJava}+ is needed, found Java ${major} at '${java}'. Set JAVA_HOME to a newer JDK.`,
    );
  }
  return { command: java, major };
}

/** Finds Maven, needed only while the artifacts are not cached yet. */
export function findMaven(env: NodeJS.ProcessEnv): string {
  const mvn = env['MAVEN_CMD'] ?? 'mvn';
  if (versionOutput(mvn, ['-v']) === undefined) {
    throw new ValbenchError(
      'fatal',
      'MAVEN_MISSING',
      `Maven is needed once, to fetch the Kafka and Apicurio artifacts from Maven Central, and '${mvn}' did not run. Install it (apt-get install -y maven) or set MAVEN_CMD.`,
    );
  }
  return mvn;
}
