import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValbenchError, messageOf } from '../errors.ts';

/** Versions of the real parts, from Maven Central. Apicurio 3.0.x is the newest line that runs on Java 17. */
export interface StackVersions {
  kafka: string;
  slf4j: string;
  reload4j: string;
  apicurio: string;
}

export const defaultVersions: StackVersions = {
  kafka: '3.9.1',
  slf4j: '1.7.36',
  reload4j: '1.2.25',
  apicurio: '3.0.9',
};

/** Where the resolved artifacts live. */
export interface Artifacts {
  /** Folder of every jar the broker needs (classpath `<dir>/*`). */
  kafkaLibs: string;
  /** Folder of the unpacked Apicurio app and the jar to run. */
  apicurioHome: string;
  apicurioJar: string;
}

const COMPLETE = '.complete';

function pom(artifactId: string, dependencies: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>valbench.stack</groupId>
  <artifactId>${artifactId}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>${dependencies}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

function dependency(group: string, artifact: string, version: string): string {
  return `
    <dependency>
      <groupId>${group}</groupId>
      <artifactId>${artifact}</artifactId>
      <version>${version}</version>
    </dependency>`;
}

function runMaven(mvn: string, repo: string, args: readonly string[], what: string): void {
  try {
    execFileSync(mvn, ['-q', '-B', `-Dmaven.repo.local=${repo}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const output =
      typeof error === 'object' && error !== null && 'stdout' in error
        ? String(error.stdout).slice(-2000)
        : messageOf(error);
    throw new ValbenchError(
      'fatal',
      'ARTIFACT_RESOLVE_FAILED',
      `Maven could not fetch ${what} from Maven Central:\n${output}`,
      { cause: error },
    );
  }
}

/** True when both parts are already in the cache (no Maven needed). */
export function artifactsCached(cacheDir: string, versions: StackVersions): boolean {
  return (
    existsSync(join(cacheDir, `kafka-${versions.kafka}`, COMPLETE)) &&
    existsSync(join(cacheDir, `apicurio-${versions.apicurio}`, COMPLETE))
  );
}

/**
 * Resolves the Kafka broker jars (with a working logger: Kafka 3.9 ships none) and the Apicurio
 * app archive into the cache, once. Later calls find them and return at once.
 */
export function resolveArtifacts(
  cacheDir: string,
  versions: StackVersions,
  mvn: () => string,
): Artifacts {
  // A Maven repository of our own, so the cache is self-contained and removable in one folder.
  const repo = join(cacheDir, 'm2');
  const kafkaDir = join(cacheDir, `kafka-${versions.kafka}`);
  const kafkaLibs = join(kafkaDir, 'libs');
  if (!existsSync(join(kafkaDir, COMPLETE))) {
    rmSync(kafkaDir, { recursive: true, force: true });
    mkdirSync(kafkaDir, { recursive: true });
    const pomFile = join(kafkaDir, 'pom.xml');
    writeFileSync(
      pomFile,
      pom(
        'kafka',
        dependency('org.apache.kafka', 'kafka_2.13', versions.kafka) +
          dependency('org.slf4j', 'slf4j-reload4j', versions.slf4j) +
          dependency('ch.qos.reload4j', 'reload4j', versions.reload4j),
      ),
    );
    runMaven(
      mvn(),
      repo,
      ['-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${kafkaLibs}`],
      `Apache Kafka ${versions.kafka}`,
    );
    writeFileSync(join(kafkaDir, COMPLETE), new Date().toISOString());
  }

  const apicurioHome = join(cacheDir, `apicurio-${versions.apicurio}`);
  if (!existsSync(join(apicurioHome, COMPLETE))) {
    rmSync(apicurioHome, { recursive: true, force: true });
    mkdirSync(apicurioHome, { recursive: true });
    // The app's parent POM is not on Maven Central, so only the archive itself is fetched: the
    // 2.8 plugin's `get` with transitive=false does not read the descriptor, later ones do.
    const coordinates = `io.apicurio:apicurio-registry-app:${versions.apicurio}:tar.gz:all`;
    runMaven(
      mvn(),
      repo,
      [
        'org.apache.maven.plugins:maven-dependency-plugin:2.8:get',
        `-Dartifact=${coordinates}`,
        '-Dtransitive=false',
      ],
      `Apicurio Registry ${versions.apicurio}`,
    );
    const archive = join(
      repo,
      'io/apicurio/apicurio-registry-app',
      versions.apicurio,
      `apicurio-registry-app-${versions.apicurio}-all.tar.gz`,
    );
    if (!existsSync(archive)) {
      throw new ValbenchError('fatal', 'ARTIFACT_RESOLVE_FAILED', `Maven fetched no ${archive}`);
    }
    const appDir = join(apicurioHome, 'app');
    mkdirSync(appDir);
    execFileSync('tar', ['xzf', archive, '-C', appDir]);
    writeFileSync(join(apicurioHome, COMPLETE), new Date().toISOString());
  }
  const appDir = join(apicurioHome, 'app');
  // 3.1+ archives hold quarkus-run.jar; 3.0.x archives hold a single *-runner.jar.
  const jar = existsSync(join(appDir, 'quarkus-run.jar'))
    ? 'quarkus-run.jar'
    : readdirSync(appDir).find((f) => f.endsWith('-runner.jar'));
  if (jar === undefined) {
    throw new ValbenchError('fatal', 'ARTIFACT_BROKEN', `no runnable jar in ${appDir}`);
  }
  return { kafkaLibs, apicurioHome: appDir, apicurioJar: join(appDir, jar) };
}
