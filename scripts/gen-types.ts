/**
 * Generates lib/records/types.gen.ts from schemas/*.avsc, so the Avro schemas stay the single
 * source of truth for record types. `--check` fails when the committed file is stale.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = string | Schema[] | { [key: string]: unknown };

const root = join(import.meta.dirname, '..');
const schemaDir = join(root, 'schemas');
const outFile = join(root, 'lib', 'records', 'types.gen.ts');

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

const declarations = new Map<string, string>();

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function field(obj: { [key: string]: unknown }, key: string): unknown {
  return obj[key];
}

function typeOf(schema: Schema, where: string): string {
  if (typeof schema === 'string') {
    const primitive = primitives[schema];
    if (primitive !== undefined) return primitive;
    const named = shortName(schema);
    if (!declarations.has(named))
      throw new Error(`${where}: reference to undefined type ${schema}`);
    return named;
  }
  if (Array.isArray(schema)) {
    return schema.map((branch, i) => typeOf(branch, `${where}[${i}]`)).join(' | ');
  }
  const kind = field(schema, 'type');
  switch (kind) {
    case 'record':
      return declareRecord(schema, where);
    case 'enum': {
      const name = shortName(String(field(schema, 'name')));
      const symbols = field(schema, 'symbols');
      if (!Array.isArray(symbols)) throw new Error(`${where}: enum ${name} has no symbols`);
      declare(
        name,
        `export type ${name} = ${symbols.map((s) => `'${String(s)}'`).join(' | ')};\n`,
        where,
      );
      return name;
    }
    case 'array':
      return `Array<${typeOf(field(schema, 'items') as Schema, `${where}.items`)}>`;
    case 'map':
      return `Record<string, ${typeOf(field(schema, 'values') as Schema, `${where}.values`)}>`;
    default:
      if (typeof kind === 'string' || Array.isArray(kind) || typeof kind === 'object') {
        return typeOf(kind as Schema, where);
      }
      throw new Error(`${where}: unsupported schema ${JSON.stringify(schema)}`);
  }
}

function declare(name: string, text: string, where: string): void {
  const existing = declarations.get(name);
  if (existing !== undefined && existing !== text) {
    throw new Error(`${where}: type ${name} is defined twice with different fields`);
  }
  declarations.set(name, text);
}

function declareRecord(schema: { [key: string]: unknown }, where: string): string {
  const name = shortName(String(field(schema, 'name')));
  const fields = field(schema, 'fields');
  if (!Array.isArray(fields)) throw new Error(`${where}: record ${name} has no fields`);
  const lines: string[] = [];
  const doc = field(schema, 'doc');
  if (typeof doc === 'string') lines.push(`/** ${doc} */`);
  lines.push(`export interface ${name} {`);
  for (const f of fields as { [key: string]: unknown }[]) {
    const fieldName = String(f['name']);
    const fieldDoc = f['doc'];
    if (typeof fieldDoc === 'string') lines.push(`  /** ${fieldDoc} */`);
    lines.push(`  ${fieldName}: ${typeOf(f['type'] as Schema, `${where}.${fieldName}`)};`);
  }
  lines.push('}\n');
  declare(name, lines.join('\n'), where);
  return name;
}

function generate(): string {
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.avsc'))
    .sort();
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as Schema;
    typeOf(schema, file);
  }
  const header =
    '// Generated from schemas/*.avsc by scripts/gen-types.ts. Do not edit: run `npm run gen:types`.\n\n';
  return header + [...declarations.values()].join('\n');
}

const text = generate();
if (process.argv.includes('--check')) {
  let current: string | undefined;
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) {
    console.error('lib/records/types.gen.ts is stale: run `npm run gen:types` and commit it.');
    process.exit(1);
  }
  console.log('lib/records/types.gen.ts is up to date with schemas/*.avsc');
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${outFile}`);
}
