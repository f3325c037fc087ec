/**
 * Request/reply contracts of the moderation service (core NATS, JSON validated with zod on
 * both sides): the moderation log for the admin API. The fact published for each decision
 * is the protobuf `ModerationActioned`.
 */
import { z } from 'zod';

/** Subject of the `ModerationActioned` fact (stream STEWARD). */
export const moderationActionedSubject = 'steward.moderation.actioned';

/** What moderation does about a message, mildest first. */
export const moderationActions = ['warn', 'delete', 'timeout', 'kick', 'ban'] as const;
export type ModerationActionName = (typeof moderationActions)[number];

/**
 * Where a logged decision stands: `pending` until Discord answers, then `done` or `failed`;
 * `blocked` when the bot lacks a permission or ranks too low; `shadow` in shadow mode;
 * `flagged` when the circuit breaker held a kick or ban back for review.
 */
export const moderationOutcomes = ['pending', 'done', 'failed', 'blocked', 'shadow', 'flagged'] as const;
export type ModerationOutcomeName = (typeof moderationOutcomes)[number];

/** Why an action was blocked, for the troubleshooting text. */
export const moderationBlockReasons = ['hierarchy', 'owner', 'missing_permission'] as const;

export const moderationSeverities = ['low', 'medium', 'high', 'critical'] as const;

const snowflake = (what: string) => z.string().regex(/^\d{15,21}$/, `${what} must be a Discord id`);

export const moderationLogEntry = z.object({
  id: z.string(),
  tenantId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  channelName: z.string().nullable(),
  messageId: z.string(),
  /** `create`, or the edit's timestamp for a message judged after an edit. */
  messageVersion: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  /** The message as it was judged, kept after Discord deleted it. */
  content: z.string(),
  attachmentUrls: z.array(z.string()),
  action: z.enum(moderationActions),
  outcome: z.enum(moderationOutcomes),
  blockReason: z.enum(moderationBlockReasons).nullable(),
  /** The exact reason of a block, a failure (Discord's answer) or a flag. */
  detail: z.string().nullable(),
  rule: z.string().nullable(),
  reason: z.string(),
  severity: z.enum(moderationSeverities),
  confidence: z.number(),
  engine: z.string(),
  /** The model was down and the offline judge decided (destructive actions were not taken). */
  fallback: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ModerationLogEntry = z.infer<typeof moderationLogEntry>;

export const ModerationRpc = {
  /** The moderation log of a tenant, newest first, filtered and paginated by cursor. */
  logList: {
    subject: 'rpc.moderation.log.list',
    request: z
      .object({
        tenantId: z.string().trim().min(1, 'tenantId must not be empty').max(64),
        guildId: snowflake('guildId').optional(),
        action: z.enum(moderationActions).optional(),
        outcome: z.enum(moderationOutcomes).optional(),
        authorId: snowflake('authorId').optional(),
        from: z.iso.datetime({ offset: true, error: 'from must be an ISO date-time' }).optional(),
        to: z.iso.datetime({ offset: true, error: 'to must be an ISO date-time' }).optional(),
        limit: z.number().int().min(1, 'limit must be 1-100').max(100, 'limit must be 1-100').default(50),
        /** `nextCursor` of the previous page. */
        cursor: z.string().max(200).optional(),
      })
      .refine((r) => !r.from || !r.to || Date.parse(r.from) <= Date.parse(r.to), {
        message: 'from must not be after to',
        path: ['from'],
      }),
    reply: z.object({
      entries: z.array(moderationLogEntry),
      /** Null on the last page. */
      nextCursor: z.string().nullable(),
    }),
  },
} as const;

export type ModerationLogListRequest = z.input<typeof ModerationRpc.logList.request>;
export type ModerationLogListReply = z.infer<typeof ModerationRpc.logList.reply>;
