import { Controller, Inject } from '@nestjs/common';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
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
import { actionOfMessageRemoval, COMMAND_ID_PREFIX } from '../acting/moderation-commands.js';
import { KickBanBreaker } from '../breaker/kick-ban-breaker.js';
import { ActionedFacts } from '../facts/actioned-facts.js';
import { ModerationLogStore } from '../log/moderation-log.store.js';
import { decisionsTotal } from '../metrics.js';

/** Settles moderation log entries with what egress reports Discord did. */
@Controller()
export class EgressResultsController {
  constructor(
    private readonly log: ModerationLogStore,
    private readonly facts: ActionedFacts,
    private readonly breaker: KickBanBreaker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @JetStreamEventPattern(Subjects.egressResult, {
    stream: Streams.facts.name,
    durable: 'moderation-egress-results',
    concurrency: 8,
    decode: protoDecoder(DiscordCommandResultSchema),
  })
  async onResult(@Payload() result: DiscordCommandResult): Promise<void> {
    if (!result.commandId.startsWith(COMMAND_ID_PREFIX)) return;
    const removalOf = actionOfMessageRemoval(result.commandId);
    if (removalOf) return this.onMessageRemoval(removalOf, result);
    const detail = result.ok ? null : commandFailureDetail(result);
    if (!result.ok) await this.giveBackSlot(result.commandId);
    const settled = await this.log.settle(result.commandId, result.ok, detail);
    if (!settled) {
      this.logger.warn({ commandId: result.commandId }, 'egress result for a moderation command without a log entry');
      return;
    }
    const { row, changed } = settled;
    if (changed) {
      decisionsTotal.inc({ action: row.action, outcome: row.outcome });
      if (row.outcome === 'failed') {
        this.logger.warn({ guildId: row.guildId, messageId: row.messageId, action: row.action, detail }, 'Discord refused a moderation action');
      }
    }
    await this.facts.publish(row);
  }

  /**
   * Discord refused a kick or ban: the member is still there, so the next message of theirs that
   * breaks a rule is acted on again. Before the entry settles, so that one who reads it as
   * failed finds the slot free.
   */
  private async giveBackSlot(commandId: string): Promise<void> {
    const entry = await this.log.findByCommand(commandId);
    if (entry && (entry.action === 'kick' || entry.action === 'ban')) {
      await this.breaker.giveBack(entry.guildId, entry.authorId, new Date(entry.createdAt));
    }
  }

  /** The delete sent along with a timeout, kick or ban: its entry says so when Discord refused it. */
  private async onMessageRemoval(actionCommandId: string, result: DiscordCommandResult): Promise<void> {
    // Unknown Message: the member or a moderator deleted it first.
    if (result.ok || result.discordCode === RESTJSONErrorCodes.UnknownMessage) return;
    const row = await this.log.noteMessageNotDeleted(actionCommandId, commandFailureDetail(result));
    if (!row) return;
    this.logger.warn(
      { guildId: row.guildId, messageId: row.messageId, action: row.action, detail: row.detail },
      'Discord refused to delete the message of a member Steward acted on',
    );
  }
}
