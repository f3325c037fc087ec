import { z } from '@steward/config';

/** `POST /chat`: a question, and the session it continues (a new one without it). */
export const chatBody = z
  .object({
    message: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(4_000, 'must be at most 4,000 characters')
      .meta({ description: 'The question, in any language', example: 'How do I reset my password?' }),
    session_id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1 to 100 characters of A-Z a-z 0-9 . _ : -')
      .optional()
      .meta({
        description:
          'Continues a conversation: follow-up questions are understood in its context. Omit it to start one.',
        example: 'c2a4e2f0-6c1d-4a8b-9d7e-2f1b3c4d5e6f',
      }),
  })
  .meta({ id: 'ChatRequest' });
export type ChatBody = z.infer<typeof chatBody>;

export const chatReply = z
  .object({
    response: z.string().meta({ description: "The answer from the tenant's knowledge base" }),
    session_id: z.string().meta({ description: 'Send it back with the next question to keep the context' }),
    outcome: z
      .enum(['answered', 'no_answer', 'escalated'])
      .meta({
        description: '`no_answer`: the knowledge base does not cover the question (the response says so)',
      }),
    sources: z
      .array(z.object({ documentId: z.string(), title: z.string() }))
      .meta({ description: 'The knowledge documents the answer is based on' }),
  })
  .meta({ id: 'ChatResponse' });
export type ChatReply = z.infer<typeof chatReply>;
