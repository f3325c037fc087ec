/**
 * What an agent does from the dashboard: take a conversation over, write in it, release it.
 * Each action locks the conversation's row, so concurrent actions (and the auto-resume sweep)
 * see one another's result, and puts the KV key again, which restarts the takeover window.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import {
  commandSubject,
  create,
  DiscordCommandSchema,
  encode,
  HandBackReason,
  MessageRole,
  TakeoverErrorCode,
  type AgentIdentity,
  type ConversationSummary,
  type PlanFeatures,
  type TakeoverReply,
} from '@steward/contracts';
import { DataSource } from '@steward/db';
import { CONFIG, GuildConfigStore, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { TakeoverConfig } from '../config.js';
import {
  agentTurnKey,
  ConversationStore,
  conversationSummary,
  NOW_MS,
  type ConversationRow,
} from '../conversations/conversation.store.js';
import { takeoverActions } from '../metrics.js';
import { PlanEntitlements } from '../plans/plan-entitlements.js';
import { transaction, type Sql } from '../sql.js';
import { TakeoverBucket } from './takeover-bucket.js';
import { TakeoverFacts } from './takeover-facts.js';

/** Discord's limit on a message. */
const DISCORD_MESSAGE_LIMIT = 2_000;

interface AgentTurnRow {
  content: string;
  command_id: string;
  at: Date;
}

/** The egress command id of an agent message: `agent:<conversation id>:<request id>`. */
export const AGENT_COMMAND_PREFIX = 'agent:';

@Injectable()
export class TakeoverService {
  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus,
    private readonly conversations: ConversationStore,
    private readonly bucket: TakeoverBucket,
    private readonly facts: TakeoverFacts,
    private readonly entitlements: PlanEntitlements,
    private readonly guilds: GuildConfigStore,
    @Inject(CONFIG) private readonly config: TakeoverConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async takeover(
    tenantId: string,
    conversationId: string,
    agent: AgentIdentity,
  ): Promise<ConversationSummary> {
    await this.requirePlan(tenantId, 'takeover', 'takeover');
    const row = await transaction(this.db, async (sql) => {
      const current = await this.conversations.lock(sql, tenantId, conversationId);
      return this.takeCharge(sql, current, agent, 'takeover');
    });
    takeoverActions.inc({ action: 'takeover', outcome: 'done' });
    this.logger.info({ tenantId, conversationId, agentId: agent.id }, 'conversation taken over');
    return this.summary(row);
  }

  /** Posts the agent's message as the bot; a repeated requestId posts nothing new. */
  async message(input: {
    tenantId: string;
    conversationId: string;
    agent: AgentIdentity;
    requestId: string;
    content: string;
  }): Promise<TakeoverReply<'message'>> {
    const { tenantId, conversationId, agent, requestId } = input;
    await this.requirePlan(tenantId, 'takeover', 'message');
    const content = this.config.TAKEOVER_SIGN_AGENT_MESSAGES
      ? `**${agent.name}:** ${input.content}`
      : input.content;
    if (content.length > DISCORD_MESSAGE_LIMIT) {
      throw new RpcError(
        'bad_request',
        `content with the agent's name is longer than ${DISCORD_MESSAGE_LIMIT} characters`,
      );
    }
    const key = agentTurnKey(requestId);
    const commandId = `${AGENT_COMMAND_PREFIX}${conversationId}:${requestId}`;
    const result = await transaction(this.db, async (sql) => {
      const current = await this.conversations.lock(sql, tenantId, conversationId);
      if (!current.application_id) {
        throw new RpcError('conflict', 'the conversation has no bot reply yet to tell which bot posts in it');
      }
      // Writing in a conversation is taking it over; it also restarts the window.
      const row = await this.takeCharge(sql, current, agent, 'message');
      const at = row.last_agent_activity_at!;
      await this.conversations.addTurn(sql, row.id, {
        key,
        role: 'agent',
        authorName: agent.name,
        content,
        commandId,
        delivery: 'sending',
        at,
      });
      const [turn] = await sql<AgentTurnRow>(
        'SELECT content, command_id, at FROM turns WHERE conversation_id = $1 AND key = $2',
        [row.id, key],
      );
      const command = create(DiscordCommandSchema, {
        commandId,
        applicationId: row.application_id!,
        tenantId,
        guildId: row.guild_id,
        createdAtMs: BigInt(turn!.at.getTime()),
        action: {
          case: 'sendMessage',
          value: { channelId: row.channel_id, content: turn!.content, mentionUserIds: [] },
        },
      });
      // Published on every attempt: egress performs a command id once, the stream stores a fact id once.
      await this.bus.publish(commandSubject(command), encode(DiscordCommandSchema, command), {
        msgId: commandId,
      });
      await this.facts.message(row, {
        messageId: requestId,
        role: MessageRole.AGENT,
        authorName: agent.name,
        content: turn!.content,
        agent,
        commandId,
        at: turn!.at,
      });
      return { row, turn: turn! };
    });
    takeoverActions.inc({ action: 'message', outcome: 'done' });
    return {
      id: requestId,
      commandId,
      content: result.turn.content,
      at: result.turn.at.toISOString(),
      conversation: this.summary(result.row),
    };
  }

  /** Hands the conversation back to the AI at once (nothing changes when the AI has it already). */
  async release(
    tenantId: string,
    conversationId: string,
    agent: AgentIdentity,
  ): Promise<ConversationSummary> {
    const row = await transaction(this.db, async (sql) => {
      const current = await this.conversations.lock(sql, tenantId, conversationId);
      if (current.state !== 'human') return current;
      const [released] = await sql<ConversationRow>(
        `UPDATE conversations SET state = 'ai', assigned_agent_id = NULL, assigned_agent_name = NULL, updated_at = now()
         WHERE id = $1 RETURNING *`,
        [current.id],
      );
      await this.bucket.free(current.id);
      await this.facts.handedBack(
        released!,
        HandBackReason.RELEASED,
        { id: current.assigned_agent_id ?? agent.id, name: current.assigned_agent_name ?? agent.name },
        current.taken_over_at,
      );
      return released!;
    });
    takeoverActions.inc({ action: 'release', outcome: 'done' });
    this.logger.info({ tenantId, conversationId, agentId: agent.id }, 'conversation released to the AI');
    return this.summary(row);
  }

  summary(row: ConversationRow): ConversationSummary {
    return conversationSummary(row, this.config.TAKEOVER_WINDOW_MS);
  }

  /**
   * Puts the agent in charge (or keeps them there) and restarts the window: the row, the KV
   * key and, when the agent is new to the conversation, the taken-over fact.
   */
  private async takeCharge(
    sql: Sql,
    current: ConversationRow,
    agent: AgentIdentity,
    action: 'takeover' | 'message',
  ): Promise<ConversationRow> {
    this.assertServerStillServed(current, action);
    const sameAgent = current.state === 'human' && current.assigned_agent_id === agent.id;
    const [row] = await sql<ConversationRow>(
      `UPDATE conversations SET
         state = 'human', assigned_agent_id = $2, assigned_agent_name = $3,
         taken_over_at = CASE WHEN $4 THEN taken_over_at ELSE ${NOW_MS} END,
         last_agent_activity_at = ${NOW_MS}, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [current.id, agent.id, agent.name, sameAgent],
    );
    const activity = row!.last_agent_activity_at!;
    await this.bucket.hold({
      conversationId: row!.id,
      tenantId: row!.tenant_id,
      agentId: agent.id,
      agentName: agent.name,
      at: activity,
    });
    if (!sameAgent) {
      await this.facts.takenOver(
        row!,
        agent,
        row!.taken_over_at!,
        new Date(activity.getTime() + this.config.TAKEOVER_WINDOW_MS),
      );
    }
    return row!;
  }

  /**
   * A released server may be linked to another tenant, or served by the tenant's own bot in
   * place of the one that answered: the conversation stays readable, but an agent must not
   * post in a server that is no longer theirs.
   */
  private assertServerStillServed(row: ConversationRow, action: 'takeover' | 'message'): void {
    // A conversation with no bot reply yet names no bot: whichever bot serves the server (an
    // unlinked server, served in local mode, names none either).
    const applicationId = row.application_id ?? this.guilds.get(row.guild_id)?.applicationId ?? '';
    const owner = this.guilds.resolve(row.guild_id, applicationId);
    if (owner.kind === 'tenant' && owner.tenantId === row.tenant_id) return;
    takeoverActions.inc({ action, outcome: 'server_gone' });
    throw new RpcError(
      'conflict',
      'This server is no longer connected to your account with the bot that answered here: the conversation can be read but not taken over',
    );
  }

  private async requirePlan(tenantId: string, feature: keyof PlanFeatures, action: string): Promise<void> {
    const features = await this.entitlements.features(tenantId);
    if (features[feature]) return;
    takeoverActions.inc({ action, outcome: 'plan_required' });
    throw new RpcError(
      TakeoverErrorCode.PlanRequired,
      'Live monitoring and takeover are part of the Standard and Pro plans',
    );
  }
}
