import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';

/** A bus payload that is not a valid encoding of the expected message. */
export class ContractError extends Error {
  constructor(
    readonly typeName: string,
    cause: unknown,
  ) {
    super(`payload is not a valid ${typeName}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ContractError';
  }
}

/** Builds and encodes a message in one step. */
export function encode<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

/** Decodes a payload, turning any wire error into a ContractError that names the type. */
export function decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ContractError(schema.typeName, error);
  }
}

export { create, toBinary };
