import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, type BusEventContext } from '@steward/bus';
import { DiscordCommandSchema, protoDecoder, type DiscordCommand } from '@steward/contracts';
import { COMMAND_CONSUMER } from './command-consumer.js';
import { CommandProcessor } from './command-processor.js';

@Controller()
export class CommandsController {
  constructor(private readonly processor: CommandProcessor) {}

  @JetStreamEventPattern(COMMAND_CONSUMER.subject, {
    stream: COMMAND_CONSUMER.stream,
    durable: COMMAND_CONSUMER.durable,
    concurrency: COMMAND_CONSUMER.concurrency,
    ackWaitMs: COMMAND_CONSUMER.ackWaitMs,
    maxDeliver: COMMAND_CONSUMER.maxDeliver,
    backoffMs: [...COMMAND_CONSUMER.backoffMs],
    decode: protoDecoder(DiscordCommandSchema),
  })
  onCommand(@Payload() command: DiscordCommand, @Ctx() context: BusEventContext): Promise<void> {
    return this.processor.handle(command, context.getMessage());
  }
}
