import { Controller, type Type } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, type BusEventContext } from '@steward/bus';
import {
  AnswerRequestedSchema,
  protoDecoder,
  Streams,
  Subjects,
  type AnswerRequested,
} from '@steward/contracts';
import { ANSWER_ACK_WAIT_MS, ANSWER_MAX_DELIVER, AnswerService } from './answer.service.js';

export interface AnswerRequestsOptions {
  /** Questions answered at the same time by this replica. */
  concurrency: number;
}

/**
 * The durable consumer of `steward.answer.requested`. Built per configuration because the
 * consumer options (concurrency) live in the handler's decorator.
 */
export function answerRequestsController(options: AnswerRequestsOptions): Type {
  @Controller()
  class AnswerRequestsController {
    constructor(private readonly answers: AnswerService) {}

    @JetStreamEventPattern(Subjects.answerRequested, {
      stream: Streams.facts.name,
      durable: 'answer',
      concurrency: options.concurrency,
      ackWaitMs: ANSWER_ACK_WAIT_MS,
      maxDeliver: ANSWER_MAX_DELIVER,
      backoffMs: [1_000, 3_000, 10_000],
      decode: protoDecoder(AnswerRequestedSchema),
    })
    onAnswerRequested(@Payload() request: AnswerRequested, @Ctx() context: BusEventContext): Promise<void> {
      return this.answers.handle(request, context.getMessage());
    }
  }
  return AnswerRequestsController;
}
