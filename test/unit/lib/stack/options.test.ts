import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackEndpoints, stackOptionsFromEnv } from '../../../../lib/stack/options.ts';

describe('stackOptionsFromEnv', () => {
  it('uses the default ports and folders', () => {
    const options = stackOptionsFromEnv({ VALBENCH_CACHE: '/c' }, '/p');
    expect(options).toMatchObject({
      kafkaPort: 9092,
      controllerPort: 9093,
      registryPort: 8081,
      stateDir: '/p/.stack',
      cacheDir: '/c/stack',
    });
  });

  it('makes a relative stack folder absolute: the parts run in other folders', () => {
    const options = stackOptionsFromEnv({ VALBENCH_STACK_DIR: 'here/stack' }, '/p');
    expect(options.stateDir).toBe(join(process.cwd(), 'here/stack'));
  });

  it('rejects a port that is not a port, naming the variable', () => {
    expect(() => stackOptionsFromEnv({ VALBENCH_KAFKA_PORT: '90x' }, '/p')).toThrow(
      'VALBENCH_KAFKA_PORT=90x is not a TCP port',
    );
  });
});

describe('stackEndpoints', () => {
  it('points clients at the configured ports and the Confluent-compatible API', () => {
    const options = stackOptionsFromEnv(
      { VALBENCH_KAFKA_PORT: '19092', VALBENCH_REGISTRY_PORT: '18081' },
      '/p',
    );
    expect(stackEndpoints(options)).toEqual({
      kafkaBrokers: '127.0.0.1:19092',
      schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
    });
  });
});
