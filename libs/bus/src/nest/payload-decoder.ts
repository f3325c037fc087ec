import type { InboundMessage } from '../message.js';

/**
 * How a JetStreamTransport turns a message into a handler's `@Payload()`:
 * `json` parses the payload (empty → undefined), `raw` hands over the message itself,
 * a function decodes it any other way (protobuf contracts, for instance).
 * A decoder that throws marks the message as undecodable: it is dead-lettered, or a
 * request is answered with `bad_request`.
 */
export type PayloadDecoder = 'json' | 'raw' | ((message: InboundMessage) => unknown);

export function decodePayload(decoder: PayloadDecoder, message: InboundMessage): unknown {
  if (decoder === 'raw') return message;
  if (decoder === 'json') return message.data.length === 0 ? undefined : message.json();
  return decoder(message);
}
