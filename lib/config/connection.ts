import { join } from 'node:path';
import type { KafkaConnection } from '../kafka/client.ts';
import type { RegistryConnection } from '../kafka/registry.ts';
import { registeredSecret } from '../secrets.ts';
import { stackUpInterruptibly } from '../stack/interrupt.ts';
import { stackOptionsFromEnv } from '../stack/options.ts';
import { describePart } from '../stack/part.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/**
 * Kafka and registry from KAFKA_BROKERS / SCHEMA_REGISTRY_URL (with optional SASL/TLS settings),
 * or else the local stack, started when it is not running (a signal during that start says which
 * parts were left running and exits 130).
 */
export async function resolveConnection(
  env: NodeJS.ProcessEnv,
  clientId: string,
  announce: (line: string) => void,
): Promise<{ kafka: KafkaConnection; registry: RegistryConnection }> {
  let brokers = env['KAFKA_BROKERS'];
  let registryUrl = env['SCHEMA_REGISTRY_URL'];
  if (brokers === undefined || brokers === '' || registryUrl === undefined || registryUrl === '') {
    const up = await stackUpInterruptibly(stackOptionsFromEnv(env, projectRoot), announce);
    const how = up.alreadyRunning
      ? 'running'
      : `ready in ${(up.elapsedMs / 1000).toFixed(1)} s (${describePart('kafka', up.parts.kafka)}; ${describePart('registry', up.parts.registry)})`;
    announce(
      `local stack ${how}: KAFKA_BROKERS=${up.kafkaBrokers} SCHEMA_REGISTRY_URL=${up.schemaRegistryUrl}`,
    );
    brokers = up.kafkaBrokers;
    registryUrl = up.schemaRegistryUrl;
  }
  const kafka: KafkaConnection = { brokers: brokers.split(',').map((b) => b.trim()), clientId };
  if (env['KAFKA_TLS'] === 'true') kafka.tls = true;
  const mechanism = env['KAFKA_SASL_MECHANISM'];
  if (mechanism === 'plain' || mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512') {
    kafka.sasl = {
      mechanism,
      username: env['KAFKA_SASL_USERNAME'] ?? '',
      password: registeredSecret(env['KAFKA_SASL_PASSWORD'] ?? '') ?? '',
    };
  }
  const registry: RegistryConnection = { url: registryUrl };
  if (env['SCHEMA_REGISTRY_USERNAME'] !== undefined)
    registry.username = env['SCHEMA_REGISTRY_USERNAME'];
  if (env['SCHEMA_REGISTRY_PASSWORD'] !== undefined)
    registry.password = registeredSecret(env['SCHEMA_REGISTRY_PASSWORD']) ?? '';
  return { kafka, registry };
}
