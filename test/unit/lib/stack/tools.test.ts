import { describe, expect, it } from 'vitest';
import { findJava, findMaven } from '../../../../lib/stack/tools.ts';

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
