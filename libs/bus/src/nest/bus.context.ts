import { BaseRpcContext } from '@nestjs/microservices';
import type { BusMessage, InboundMessage } from '../message.js';

/**
 * What `@Ctx()` gives a JetStreamTransport handler: the message as received, whatever
 * `@Payload()` was decoded into. Event handlers get a BusMessage (delivery count, `working()`).
 */
export class BusContext<M extends InboundMessage = InboundMessage> extends BaseRpcContext<[M]> {
  getMessage(): M {
    return this.args[0];
  }

  getSubject(): string {
    return this.args[0].subject;
  }

  getHeaders(): Record<string, string> {
    return this.args[0].headers;
  }
}

export type BusEventContext = BusContext<BusMessage>;
