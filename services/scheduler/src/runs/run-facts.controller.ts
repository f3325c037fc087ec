import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, PermanentError } from '@steward/bus';
import {
  DiscordCommandResultSchema,
  ProactivePostWrittenSchema,
  protoDecoder,
  Streams,
  Subjects,
  type DiscordCommandResult,
  type ProactivePostWritten,
} from '@steward/contracts';
import { ProactiveSubjects } from './proactive-subjects.js';
import { RunProcessor } from './run-processor.js';

/** The facts that move runs on: a post's text, and egress's outcome of posting it. */
@Controller()
export class RunFactsController {
  constructor(private readonly processor: RunProcessor) {}

  @JetStreamEventPattern(ProactiveSubjects.written, {
    stream: Streams.facts.name,
    durable: 'scheduler-written',
    maxDeliver: 10,
    backoffMs: [500, 2_000, 10_000],
    decode: protoDecoder(ProactivePostWrittenSchema),
  })
  onWritten(@Payload() fact: ProactivePostWritten): Promise<void> {
    if (!fact.runId || !fact.text.trim()) throw new PermanentError('ProactivePostWritten without run id or text');
    return this.processor.onWritten(fact);
  }

  @JetStreamEventPattern(Subjects.egressResult, {
    stream: Streams.facts.name,
    durable: 'scheduler-egress-results',
    maxDeliver: 10,
    backoffMs: [500, 2_000, 10_000],
    concurrency: 8,
    decode: protoDecoder(DiscordCommandResultSchema),
  })
  onEgressResult(@Payload() result: DiscordCommandResult): Promise<void> {
    return this.processor.onEgressResult(result);
  }
}
