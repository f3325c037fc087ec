/**
 * Bus payloads come from other processes; a corrupt or hostile one must surface as a
 * ContractError naming the type (which handlers dead-letter), never as another exception
 * that would crash or loop a consumer.
 */
import type { DescMessage } from '@bufbuild/protobuf';
import * as contracts from '@steward/contracts';
import { ContractError, decode, toBinary, create } from '@steward/contracts';
import fc from 'fast-check';
import { fuzzParameters } from '../src/fuzz-config.js';

/** Every message schema the contracts package exports (generated `...Schema` descriptors). */
const schemas: DescMessage[] = Object.entries(contracts)
  .filter(([name, value]) => name.endsWith('Schema') && (value as DescMessage | undefined)?.kind === 'message')
  .map(([, value]) => value as DescMessage);

/** Decodes and reports what happened; any exception other than ContractError is the failure. */
function decodeOutcome(schema: DescMessage, bytes: Uint8Array): 'message' | 'contract-error' {
  try {
    const message = decode(schema, bytes) as { $typeName?: string };
    if (message.$typeName !== schema.typeName) throw new Error(`decoded a ${message.$typeName} as ${schema.typeName}`);
    return 'message';
  } catch (error) {
    if (error instanceof ContractError && error.message.includes(schema.typeName)) return 'contract-error';
    throw error;
  }
}

describe('proto decoding of bus messages', () => {
  it('covers every message of the contracts', () => {
    expect(schemas.length).toBeGreaterThanOrEqual(20);
    expect(schemas.map((schema) => schema.typeName)).toEqual(expect.arrayContaining(['steward.v1.AnswerRequested', 'steward.v1.DiscordCommand']));
  });

  it('turns random bytes into a message or a ContractError, for every schema', () => {
    const outcomes = { message: 0, 'contract-error': 0 };
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.uint8Array({ maxLength: 256 }), (schema, bytes) => {
        outcomes[decodeOutcome(schema, bytes)]++;
      }),
      fuzzParameters('random bytes → decode', 3_000),
    );
    // Both branches were exercised: the property is not vacuous.
    expect(outcomes.message).toBeGreaterThan(0);
    expect(outcomes['contract-error']).toBeGreaterThan(0);
  });

  it('turns a valid encoding with flipped, cut or spliced bytes into a message or a ContractError', () => {
    const valid = schemas.map((schema) => ({ schema, bytes: toBinary(schema, create(schema)) }));
    const sample = (schema: DescMessage) => toBinary(schema, create(schema, sampleInit(schema)));
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 16 }),
        ({ schema }, flips, cutAt, tail) => {
          const bytes = Uint8Array.from(sample(schema));
          for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
          const cut = bytes.slice(0, bytes.length === 0 ? 0 : cutAt % (bytes.length + 1));
          decodeOutcome(schema, Uint8Array.from([...cut, ...tail]));
        },
      ),
      fuzzParameters('mutated valid encoding → decode', 2_000),
    );
  });
});

/** Fills every string field with text and every number field with 1, so encodings have content to corrupt. */
function sampleInit(schema: DescMessage): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (field.fieldKind !== 'scalar' || field.oneof) continue;
    const scalar = field.scalar as number;
    // ScalarType: 9 = string, 12 = bytes, 8 = bool; 3/4/6/16/18 are 64-bit (bigint).
    init[field.localName] = scalar === 9 ? `sample ${field.name}` : scalar === 12 ? new Uint8Array([1, 2, 3]) : scalar === 8 ? true : [3, 4, 6, 16, 18].includes(scalar) ? 1n : 1;
  }
  return init;
}
