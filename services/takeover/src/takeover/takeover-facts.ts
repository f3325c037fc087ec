/**
 * The facts of the takeover service on stream STEWARD. Each `Nats-Msg-Id` is derived from what
 * it describes, so publishing again after a failed commit stores it once.
 */
import { Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  ConversationHandedBackSchema,
  ConversationMessageDeliverySchema,
  ConversationMessageSchema,
  ConversationTakenOverSchema,
  encode,
  HandBackReason,
  MessageRole,
  TakeoverSubjects,
} from '@steward/contracts';
import type { ConversationRow, SettledDelivery } from '../conversations/conversation.store.js';

export interface AgentRef {
  id: string;
  name: string;
}

const place = (row: ConversationRow) => ({
  tenantId: row.tenant_id,
  guildId: row.guild_id,
  channelId: row.channel_id,
  conversationId: row.id,
});

@Injectable()
export class TakeoverFacts {
  constructor(private readonly bus: Bus) {}

  async takenOver(row: ConversationRow, agent: AgentRef, takenOverAt: Date, resumesAt: Date): Promise<void> {
    await this.bus.publish(
      TakeoverSubjects.takenOver,
      encode(ConversationTakenOverSchema, {
        ...place(row),
        agent,
        takenOverAtMs: BigInt(takenOverAt.getTime()),
        resumesAtMs: BigInt(resumesAt.getTime()),
      }),
      { msgId: `taken-over:${row.id}:${takenOverAt.getTime()}` },
    );
  }

  async handedBack(
    row: ConversationRow,
    reason: HandBackReason.RELEASED | HandBackReason.INACTIVE,
    agent: AgentRef,
    takenOverAt: Date | null,
  ): Promise<void> {
    const released = reason === HandBackReason.RELEASED;
    const since = takenOverAt?.getTime() ?? 0;
    await this.bus.publish(
      released ? TakeoverSubjects.released : TakeoverSubjects.resumed,
      encode(ConversationHandedBackSchema, {
        ...place(row),
        reason,
        agent,
        takenOverAtMs: BigInt(since),
        atMs: BigInt(Date.now()),
      }),
      { msgId: `${released ? 'released' : 'resumed'}:${row.id}:${since}` },
    );
  }

  async message(
    row: ConversationRow,
    message: {
      messageId: string;
      role: MessageRole.MEMBER | MessageRole.AGENT;
      authorName: string;
      content: string;
      agent?: AgentRef;
      commandId?: string;
      at: Date;
    },
  ): Promise<void> {
    await this.bus.publish(
      TakeoverSubjects.message,
      encode(ConversationMessageSchema, {
        ...place(row),
        messageId: message.messageId,
        role: message.role,
        authorName: message.authorName,
        content: message.content,
        agent: message.agent,
        commandId: message.commandId ?? '',
        atMs: BigInt(message.at.getTime()),
      }),
      { msgId: `message:${row.id}:${message.messageId}` },
    );
  }

  /** Whether Discord took an agent's message (`error`: why not). */
  async delivery(settled: SettledDelivery, report: { error: string | null; at: Date }): Promise<void> {
    await this.bus.publish(
      TakeoverSubjects.delivery,
      encode(ConversationMessageDeliverySchema, {
        ...place(settled.conversation),
        messageId: settled.messageId,
        delivered: report.error === null,
        error: report.error ?? '',
        atMs: BigInt(report.at.getTime()),
      }),
      { msgId: `delivery:${settled.conversation.id}:${settled.messageId}` },
    );
  }
}
