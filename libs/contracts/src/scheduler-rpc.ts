/**
 * The dashboard's view of proactive posts (core NATS request/reply, JSON validated with zod).
 * `rpc.scheduler.history.list`: newest first, paged by an opaque cursor.
 */
import { z } from 'zod';

export const historyEntry = z.object({
  runId: z.string(),
  guildId: z.string(),
  /** When the post was due (the schedule's slot). */
  dueAt: z.string(),
  /** When it was posted or given up; null while it is on its way or blocked. */
  finishedAt: z.string().nullable(),
  topic: z.string(),
  channelName: z.string(),
  channelId: z.string().nullable(),
  text: z.string().nullable(),
  messageId: z.string().nullable(),
  /** pending | posted | channel_missing | channel_unwritable | discord_unavailable | quota_exceeded | skipped | failed */
  outcome: z.string(),
  /** due | writing | posting | blocked | done */
  state: z.string(),
  /** Why it was not (yet) posted, in words a server owner can act on. */
  error: z.string().nullable(),
  /** How many times the run was taken up (retries of a blocked channel, takeovers after a crash). */
  attempts: z.number().int(),
  engine: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

export const SchedulerRpc = {
  historyList: {
    subject: 'rpc.scheduler.history.list',
    request: z.object({
      tenantId: z.string().trim().min(1, 'tenantId must not be empty').max(64),
      guildId: z
        .string()
        .regex(/^\d{15,21}$/, 'guildId must be a Discord id')
        .optional(),
      limit: z.number().int().min(1).max(100).default(20),
      cursor: z.string().max(200).optional(),
    }),
    reply: z.object({ entries: z.array(historyEntry), nextCursor: z.string().nullable() }),
  },
} as const;

export type HistoryListRequest = z.input<typeof SchedulerRpc.historyList.request>;
export type HistoryListReply = z.infer<typeof SchedulerRpc.historyList.reply>;
