import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JetStreamEventPattern } from '@steward/bus';
import {
  commandFailureDetail,
  DiscordCommandResultSchema,
  protoDecoder,
  Streams,
  Subjects,
  type DiscordCommandResult,
} from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { ConversationStore } from '../conversations/conversation.store.js';
import { factsConsumed } from '../metrics.js';
import { TakeoverFacts } from './takeover-facts.js';
import { AGENT_COMMAND_PREFIX } from './takeover.service.js';

/** The agent's message is posted in the same transaction that records it: egress may report first. */
class AgentTurnNotYetRecordedError extends Error {
  constructor(commandId: string) {
    super(`no agent message recorded yet for command ${commandId}`);
  }
}

/**
 * Egress reports on every command it carried out or gave up; for an agent's message the
 * transcript shows whether it reached Discord (and why not), and the live feed tells the
 * dashboard at once.
 */
@Controller()
export class AgentDeliveryController {
  constructor(
    private readonly conversations: ConversationStore,
    private readonly facts: TakeoverFacts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @JetStreamEventPattern(Subjects.egressResult, {
    stream: Streams.facts.name,
    durable: 'takeover-egress-results',
    concurrency: 8,
    // Reports of the week the stream keeps are not this consumer's business when it first starts.
    startAt: 'new',
    // A report that overtook its message's commit is tried again after it (for a few minutes:
    // an agent who sends again after an error commits the message then).
    maxDeliver: 8,
    backoffMs: [500, 2_000, 10_000, 30_000, 60_000],
    decode: protoDecoder(DiscordCommandResultSchema),
  })
  async onResult(@Payload() result: DiscordCommandResult): Promise<void> {
    if (!result.commandId.startsWith(AGENT_COMMAND_PREFIX)) return;
    // Egress explains a refusal for people already ("missing permission: the bot cannot send
    // messages in this channel (Discord 50013)").
    const error = result.ok ? null : result.error || commandFailureDetail(result);
    const settled = await this.conversations.settleDelivery(result.commandId, result.tenantId, result.ok, error);
    if (settled === 'unknown') throw new AgentTurnNotYetRecordedError(result.commandId);
    if (settled === 'elsewhere') {
      // The server moved to another tenant since: its team does not see this conversation.
      factsConsumed.inc({ kind: 'delivery', outcome: 'ignored' });
      return;
    }
    factsConsumed.inc({ kind: 'delivery', outcome: 'recorded' });
    if (!result.ok) {
      this.logger.warn(
        { conversationId: settled.conversation.id, commandId: result.commandId, error },
        "Discord refused an agent's message",
      );
    }
    await this.facts.delivery(settled, { error, at: new Date(Number(result.atMs) || Date.now()) });
  }
}
