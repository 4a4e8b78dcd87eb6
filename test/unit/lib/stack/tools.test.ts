import { describe, expect, it } from 'vitest';
import { findJava, findMaven } from '../../../../lib/stack/tools.ts';
import { stackOptionsFromEnv } from '../../../../lib/stack/options.ts';

describe('findJava', () => {
  it('names the missing Java and how to fix it', () => {
    expect(() => findJava({ JAVA_HOME: '/nonexistent/jdk' }, 17)).toThrow(
      /Java 17\+ is needed .*\/nonexistent\/jdk\/bin\/java.*JAVA_HOME/s,
    );
  });

  it('refuses a Java older than required', () => {
    expect(() => findJava({}, 99)).toThrow(/Java 99\+ is needed, found Java \d+/);
  });

  it('finds the machine Java 17+', () => {
    expect(findJava({}, 17).major).toBeGreaterThanOrEqual(17);
  });
});

describe('findMaven', () => {
  it('names the missing Maven', () => {
    expect(() => findMaven({ MAVEN_CMD: '/nonexistent/mvn' })).toThrow(
      /Maven is needed once.*\/nonexistent\/mvn/s,
    );
  });
});

describe('stackOptionsFromEnv', () => {
  it('uses the default ports and folders', () => {
    const options = stackOptionsFromEnv({ VALBENCH_CACHE: '/c' }, '/p');
    expect(options).toMatchObject({
      kafkaPort: 9092,
      registryPort: 8081,
      stateDir: '/p/.stack',
      cacheDir: '/c/stack',
    });
  });

  it('rejects a port that is not a port, naming the variable', () => {
    expect(() => stackOptionsFromEnv({ VALBENCH_KAFKA_PORT: '90x' }, '/p')).toThrow(
      'VALBENCH_KAFKA_PORT=90x is not a TCP port',
    );
  });
});
