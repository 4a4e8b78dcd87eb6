import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { UndecodableError, ValbenchError } from '../../../../lib/errors.ts';
import { classifyRegistryError, createCodec } from '../../../../lib/kafka/codec.ts';
import { createSchemaRegistry } from '../../../../lib/kafka/registry.ts';
import { createPublisher } from '../../../../lib/kafka/publish.ts';
import { ensureTopics } from '../../../../lib/kafka/topics.ts';
import { recordKinds, schemaJson } from '../../../../lib/records/schemas.ts';
import { samples } from '../../../support/fixtures.ts';
import { connectTestCluster, readMessages, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await connectTestCluster();
});

afterAll(async () => {
  await cluster.close();
});

describe('schema registration', () => {
  it('processes starting together on a new subject all register the same schema', async () => {
    const topic = cluster.unique('race');
    // Separate clients, as separate stage processes have: no shared cache.
    const codecs = Array.from({ length: 6 }, () =>
      createCodec(createSchemaRegistry({ url: cluster.registryUrl }), 'judgment', topic),
    );
    const ids = await Promise.all(codecs.map((codec) => codec.register()));
    expect(new Set(ids).size).toBe(1);
  });
});

describe('records through the real broker and registry', () => {
  it.each(recordKinds)('%s: registers, encodes, produces, consumes and decodes', async (kind) => {
    const topic = cluster.unique(kind);
    await ensureTopics(cluster.admin, [{ topic, partitions: 2 }]);
    const codec = createCodec(cluster.registry, kind, topic);
    const producer = cluster.kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      const value = samples[kind]();
      await createPublisher(producer, codec, topic).publish([{ key: 'run-1/17', value }]);
      const [message] = await readMessages(cluster, topic, 1);
      expect(message?.key?.toString()).toBe('run-1/17');
      expect(message?.value?.readUInt8(0)).toBe(0);
      expect(message?.value?.readInt32BE(1)).toBe(await codec.register());
      // A fresh codec decodes with nothing cached: the writer schema comes from the registry.
      const decoded = await createCodec(cluster.registry, kind, topic).decode(
        message?.value ?? null,
      );
      expect(decoded).toEqual(value);
      // Asked by name: the registry lists at most 1000 subjects, and a long-lived stack has more.
      const versions = await fetch(`${cluster.registryUrl}/subjects/${topic}-value/versions`);
      expect(versions.status).toBe(200);
      expect(await versions.json()).toEqual([1]);
    } finally {
      await producer.disconnect();
    }
  });
});

describe('schema compatibility', () => {
  it('the registry itself refuses a BACKWARD-incompatible change (global rule)', async () => {
    // Raw HTTP, so no subject-level config is set: only the registry's global rule can refuse.
    const subject = `${cluster.unique('global-compat')}-value`;
    const post = (schema: object): Promise<Response> =>
      fetch(`${cluster.registryUrl}/subjects/${subject}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(schema) }),
      });
    const base = schemaJson('judgment');
    const fields = base['fields'] as object[];
    expect((await post(base)).status).toBe(200);
    const refused = await post({
      ...base,
      fields: [...fields, { name: 'mandatory', type: 'int' }],
    });
    expect(refused.status).toBe(409);
    const later = { ...base, fields: [...fields, { name: 'later', type: 'int', default: 0 }] };
    expect((await post(later)).status).toBe(200);
  });

  it('codec registration refuses an incompatible change as fatal SCHEMA_INCOMPATIBLE', async () => {
    const topic = cluster.unique('compat');
    const subject = `${topic}-value`;
    await createCodec(cluster.registry, 'prompt', topic).register();
    const base = schemaJson('prompt');
    const fields = base['fields'] as object[];

    // A new field without a default: a reader of the new schema cannot read old records.
    const incompatible = { ...base, fields: [...fields, { name: 'mandatory', type: 'string' }] };
    const refused = await cluster.registry
      .register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject })
      .then(
        () => undefined,
        (error: unknown) => classifyRegistryError(error, 'registering'),
      );
    expect(refused).toBeInstanceOf(ValbenchError);
    expect(refused?.code).toBe('SCHEMA_INCOMPATIBLE');
    expect(refused?.kind).toBe('fatal');

    const compatible = {
      ...base,
      fields: [...fields, { name: 'optional', type: ['null', 'string'], default: null }],
    };
    const accepted = await cluster.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
      { subject },
    );
    expect(accepted.id).toBeGreaterThan(0);
  });
});

describe('undecodable records', () => {
  it('reports a wrong magic byte, an unknown schema id and a truncated record as undecodable', async () => {
    const topic = cluster.unique('poison');
    await ensureTopics(cluster.admin, [{ topic, partitions: 1 }]);
    const codec = createCodec(cluster.registry, 'response', topic);
    await codec.register();
    const unknownId = Buffer.alloc(5 + 8);
    unknownId.writeInt32BE(987_654_321, 1);
    const producer = cluster.kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'magic', value: Buffer.from([7, 0, 0, 0, 1, 2, 3]) },
          { key: 'unknown-id', value: unknownId },
          { key: 'truncated', value: Buffer.from([0, 0]) },
          {
            key: 'garbage-body',
            value: Buffer.concat([
              Buffer.from([0]),
              idBytes(await codec.register()),
              Buffer.from([0xff, 0xff, 0xff]),
            ]),
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const messages = await readMessages(cluster, topic, 4);
    const outcomes = await Promise.all(
      messages.map(async (m) => {
        try {
          await codec.decode(m.value);
          return [m.key?.toString(), 'decoded'];
        } catch (error) {
          expect(error).toBeInstanceOf(UndecodableError);
          const undecodable = error as UndecodableError;
          expect(undecodable.kind).toBe('poison');
          return [m.key?.toString(), undecodable.code];
        }
      }),
    );
    expect(Object.fromEntries(outcomes)).toEqual({
      magic: 'UNDECODABLE_MAGIC',
      'unknown-id': 'UNKNOWN_SCHEMA_ID',
      truncated: 'UNDECODABLE_TRUNCATED',
      'garbage-body': 'UNDECODABLE_PAYLOAD',
    });
  });
});

function idBytes(id: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(id);
  return bytes;
}
