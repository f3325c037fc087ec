import { z } from '@steward/config';
import {
  conversationDetail,
  conversationIdPattern,
  conversationStates,
  conversationSummary,
} from '@steward/contracts';

export const conversationId = z
  .string()
  .regex(conversationIdPattern, 'must be a conversation id (<guildId>:<channelId>:<authorId>)');

export const listQuery = z
  .object({
    state: z.enum(conversationStates, { error: 'must be one of ai, human, escalated' }).optional(),
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .default(50),
    cursor: z.string().min(1).max(200).optional(),
  })
  .meta({ id: 'ConversationListQuery' });
export type ListQuery = z.infer<typeof listQuery>;

export const agentMessageBody = z
  .object({
    content: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(2_000, 'must be at most 2,000 characters (a Discord message)')
      .meta({
        description: "Posted in the conversation's channel as the bot",
        example: 'Hi! I am looking into it now.',
      }),
  })
  .meta({ id: 'AgentMessage' });
export type AgentMessageBody = z.infer<typeof agentMessageBody>;

/** `Idempotency-Key`: a repeated request with the same key posts the message once. */
export const idempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 letters, digits, "-" or "_"')
  .optional();

export const conversationView = conversationSummary.meta({ id: 'Conversation' });
export const conversationDetailView = conversationDetail.meta({ id: 'ConversationDetail' });
export const conversationPage = z
  .object({ conversations: z.array(conversationSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'ConversationPage' });
export const postedMessage = z
  .object({
    id: z.string(),
    commandId: z.string(),
    content: z.string(),
    at: z.string(),
    conversation: conversationSummary,
  })
  .meta({ id: 'PostedAgentMessage' });
