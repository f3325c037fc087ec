import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, type BusEventContext } from '@steward/bus';
import { ProactiveDueSchema, protoDecoder, Streams, type ProactiveDue } from '@steward/contracts';
import { ProactivePosts } from './proactive-posts.service.js';

/** Subject of due posts (stream STEWARD), published by the scheduler. */
export const PROACTIVE_DUE_SUBJECT = 'steward.proactive.due';
const ACK_WAIT_MS = 60_000;

/** The durable consumer of `steward.proactive.due`. */
@Controller()
export class ProactiveDueController {
  constructor(private readonly posts: ProactivePosts) {}

  @JetStreamEventPattern(PROACTIVE_DUE_SUBJECT, {
    stream: Streams.facts.name,
    durable: 'answer-proactive',
    concurrency: 4,
    ackWaitMs: ACK_WAIT_MS,
    maxDeliver: 5,
    backoffMs: [1_000, 5_000, 15_000],
    decode: protoDecoder(ProactiveDueSchema),
  })
  async onDue(@Payload() due: ProactiveDue, @Ctx() context: BusEventContext): Promise<void> {
    const heartbeat = setInterval(() => context.getMessage().working(), ACK_WAIT_MS / 3);
    try {
      await this.posts.write(due);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
