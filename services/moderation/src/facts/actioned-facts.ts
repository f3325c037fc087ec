import { Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  encode,
  ModerationAction,
  ModerationActionedSchema,
  moderationActionedSubject,
  ModerationOutcome,
} from '@steward/contracts';
import type { LogRow } from '../log/moderation-log.store.js';

const ACTIONS: Record<LogRow['action'], ModerationAction> = {
  warn: ModerationAction.WARN,
  delete: ModerationAction.DELETE,
  timeout: ModerationAction.TIMEOUT,
  kick: ModerationAction.KICK,
  ban: ModerationAction.BAN,
};

const OUTCOMES: Partial<Record<LogRow['outcome'], ModerationOutcome>> = {
  done: ModerationOutcome.DONE,
  failed: ModerationOutcome.FAILED,
  blocked: ModerationOutcome.BLOCKED,
  shadow: ModerationOutcome.SHADOW,
  flagged: ModerationOutcome.FLAGGED,
};

/** Publishes `steward.moderation.actioned` once per log entry, when its outcome is final. */
@Injectable()
export class ActionedFacts {
  constructor(private readonly bus: Bus) {}

  async publish(row: LogRow): Promise<void> {
    const outcome = OUTCOMES[row.outcome];
    if (outcome === undefined) return;
    const fact = encode(ModerationActionedSchema, {
      entryId: row.id,
      tenantId: row.tenantId,
      applicationId: row.applicationId,
      guildId: row.guildId,
      channelId: row.channelId,
      messageId: row.messageId,
      authorId: row.authorId,
      authorName: row.authorName,
      action: ACTIONS[row.action],
      outcome,
      detail: row.detail ?? '',
      rule: row.rule ?? '',
      reason: row.reason,
      severity: row.severity,
      confidence: row.confidence,
      engine: row.engine,
      atMs: BigInt(Date.parse(row.updatedAt)),
    });
    await this.bus.publish(moderationActionedSubject, fact, { msgId: `moderation-actioned:${row.id}` });
  }
}
