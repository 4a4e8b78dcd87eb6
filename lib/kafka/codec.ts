import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { UndecodableError, ValbenchError, messageOf, statusOf } from '../errors.ts';
import { avroType, schemaJson, type RecordKind, type RecordTypes } from '../records/schemas.ts';

/**
 * Encodes and decodes one record kind in the Confluent wire format (magic byte 0, 4-byte schema
 * id, Avro body), with the schema registered under `<topic>-value`.
 */
export interface RecordCodec<K extends RecordKind> {
  readonly kind: K;
  readonly subject: string;
  /** Registers the schema (idempotent). An incompatible change is a fatal SCHEMA_INCOMPATIBLE. */
  register(): Promise<number>;
  encode(value: RecordTypes[K]): Promise<Buffer>;
  /**
   * Decodes with our schema as the reader schema. Bytes that can never decode (wrong magic byte,
   * unknown schema id, body that does not fit) throw UndecodableError (poison); a registry that
   * cannot be reached throws a retriable error.
   */
  decode(bytes: Buffer | null): Promise<RecordTypes[K]>;
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function createCodec<K extends RecordKind>(
  registry: SchemaRegistry,
  kind: K,
  topic: string,
): RecordCodec<K> {
  const subject = `${topic}-value`;
  const reader = avroType(kind);
  const resolvers = new Map<number, avro.Resolver>();
  let schemaId: number | undefined;

  async function register(): Promise<number> {
    if (schemaId !== undefined) return schemaId;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { id } = await registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schemaJson(kind)) },
          { subject },
        );
        schemaId = id;
        return id;
      } catch (error) {
        // Stage processes starting together on a new subject race to set its compatibility
        // rule: the loser is told the rule already exists, or reads the subject before its rule
        // is set (NONE). Registering again a moment later succeeds; a real mismatch persists.
        if (
          attempt < 5 &&
          /already exists|does not match the configuration/i.test(messageOf(error))
        ) {
          await sleep(50 * attempt);
          continue;
        }
        throw classifyRegistryError(error, `registering schema ${kind} under subject ${subject}`);
      }
    }
  }

  async function resolverFor(id: number): Promise<avro.Resolver> {
    const cached = resolvers.get(id);
    if (cached !== undefined) return cached;
    let writer: unknown;
    try {
      writer = await registry.getSchema(id);
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new UndecodableError(
          'UNKNOWN_SCHEMA_ID',
          `schema id ${id} is not in the registry (topic ${topic})`,
          error,
        );
      }
      throw classifyRegistryError(error, `looking up schema id ${id}`);
    }
    if (!(writer instanceof avro.Type)) {
      throw new UndecodableError('SCHEMA_MISMATCH', `schema id ${id} is not an Avro schema`);
    }
    let resolver: avro.Resolver;
    try {
      resolver = reader.createResolver(writer);
    } catch (error) {
      throw new UndecodableError(
        'SCHEMA_MISMATCH',
        `schema id ${id} cannot be read as ${kind}: ${messageOf(error)}`,
        error,
      );
    }
    resolvers.set(id, resolver);
    return resolver;
  }

  return {
    kind,
    subject,
    register,
    async encode(value) {
      const id = await register();
      const problems: string[] = [];
      const valid = reader.isValid(value, {
        errorHook: (path: string[], val: unknown) => {
          problems.push(`${path.join('.') || '(root)'} = ${JSON.stringify(val) ?? 'undefined'}`);
        },
      });
      if (!valid) {
        throw new ValbenchError(
          'fatal',
          'RECORD_INVALID',
          `${kind} record does not fit its schema: ${problems.slice(0, 5).join('; ')}`,
        );
      }
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt8(MAGIC_BYTE, 0);
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, reader.toBuffer(value)]);
    },
    async decode(bytes) {
      if (bytes === null || bytes.length < HEADER_BYTES) {
        throw new UndecodableError(
          'UNDECODABLE_TRUNCATED',
          `record on ${topic} has ${bytes?.length ?? 0} bytes, fewer than the ${HEADER_BYTES}-byte header`,
        );
      }
      const magic = bytes.readUInt8(0);
      if (magic !== MAGIC_BYTE) {
        throw new UndecodableError(
          'UNDECODABLE_MAGIC',
          `record on ${topic} starts with magic byte ${magic}, expected ${MAGIC_BYTE}`,
        );
      }
      const resolver = await resolverFor(bytes.readInt32BE(1));
      try {
        return reader.fromBuffer(bytes.subarray(HEADER_BYTES), resolver, true) as RecordTypes[K];
      } catch (error) {
        throw new UndecodableError(
          'UNDECODABLE_PAYLOAD',
          `record on ${topic} has a body that does not decode as ${kind}: ${messageOf(error)}`,
          error,
        );
      }
    },
  };
}

/** Maps a registry client failure to our error model: 409/422 refusals are fatal, the rest retriable. */
export function classifyRegistryError(error: unknown, doing: string): ValbenchError {
  const status = statusOf(error);
  const detail = messageOf(error);
  if (status === 409 || /compatib/i.test(detail)) {
    return new ValbenchError(
      'fatal',
      'SCHEMA_INCOMPATIBLE',
      `registry refused ${doing}: ${detail}`,
      {
        cause: error,
        status: status ?? 409,
      },
    );
  }
  if (status === 401 || status === 403 || status === 422 || status === 400) {
    return new ValbenchError('fatal', 'REGISTRY_REJECTED', `registry refused ${doing}: ${detail}`, {
      cause: error,
      status,
    });
  }
  return new ValbenchError(
    'retriable',
    'REGISTRY_UNAVAILABLE',
    `registry failed ${doing}: ${detail}`,
    {
      cause: error,
      ...(status === undefined ? {} : { status }),
    },
  );
}
