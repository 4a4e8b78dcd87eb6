import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** How to reach a Confluent-compatible schema registry (Confluent, or Apicurio at /apis/ccompat/v7). */
export interface RegistryConnection {
  url: string;
  username?: string;
  password?: string;
}

/** Creates the registry client. Its own retries are off: callers classify and retry failures. */
export function createSchemaRegistry(connection: RegistryConnection): SchemaRegistry {
  const auth =
    connection.username !== undefined && connection.password !== undefined
      ? { username: connection.username, password: connection.password }
      : undefined;
  return new SchemaRegistry({
    host: connection.url,
    clientId: 'valbench',
    retry: { retries: 2, initialRetryTimeInSecs: 0.2 },
    ...(auth === undefined ? {} : { auth }),
  });
}

export type { SchemaRegistry };
