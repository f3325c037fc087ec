import { EventPattern } from '@nestjs/microservices';
import type { JetStreamEventExtras } from './jetstream.transport.js';

/**
 * `@EventPattern(subject, extras)` with the JetStream consumer options typed (stream and
 * durable are required), and without the event-map typing Nest infers from the subject,
 * which would reject `@Ctx()` parameters.
 */
export function JetStreamEventPattern(subject: string, options: JetStreamEventExtras): MethodDecorator {
  return EventPattern<string>(subject, options);
}
