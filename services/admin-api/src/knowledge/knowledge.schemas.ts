import { z } from '@steward/config';
import { documentStatus, documentView, knowledgePassageView, Rpc } from '@steward/contracts';

/** A document's title, whichever way it comes (JSON, upload, URL import). */
export const MAX_DOCUMENT_TITLE = 200;

/** `POST /knowledge/documents`: the limits are those of the answer service (Rpc.knowledgeAdd). */
export const newDocumentBody = z
  .object({
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_DOCUMENT_TITLE, `must be at most ${MAX_DOCUMENT_TITLE} characters`)
      .meta({ description: 'Shown as the source of answers', example: 'Resetting your password' }),
    content: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(2_000_000, 'must be at most 2,000,000 characters')
      .meta({
        description: 'Plain text or Markdown; headings split it into passages',
        example: '# Reset\nOpen Settings → Account → Reset password.',
      }),
  })
  .meta({ id: 'NewDocument' });
export type NewDocumentBody = z.infer<typeof newDocumentBody>;

export const documentId = z.uuid({ error: 'must be a UUID' });

export const createdDocument = z
  .object({ id: z.uuid(), status: documentStatus })
  .meta({ id: 'CreatedDocument' });

export const knowledgeDocument = documentView.meta({ id: 'Document' });

export const knowledgeDocumentList = z
  .object({ documents: z.array(knowledgeDocument) })
  .meta({ id: 'DocumentList' });

/** `POST /knowledge/documents/import`. */
export const importDocumentBody = z
  .object({
    url: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(2_000, 'must be at most 2,000 characters')
      .meta({
        description: 'A public http(s) page: HTML, Markdown, plain text or PDF',
        example: 'https://example.com/help/refunds',
      }),
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_DOCUMENT_TITLE, `must be at most ${MAX_DOCUMENT_TITLE} characters`)
      .optional()
      .meta({ description: "Default: the page's own title, else its address" }),
  })
  .meta({ id: 'ImportDocument' });
export type ImportDocumentBody = z.infer<typeof importDocumentBody>;

export const reindexedDocument = z
  .object({ id: z.uuid(), status: documentStatus })
  .meta({ id: 'ReindexedDocument' });

export const searchQuery = z.object({
  q: z.string().trim().min(1, 'must not be empty').max(1_000, 'must be at most 1,000 characters').meta({
    description: 'A question as a member would ask it',
    example: 'how do I get my money back?',
  }),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(20, 'must be at most 20')
    .default(5),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const searchResult = z
  .object({ passages: z.array(knowledgePassageView) })
  .meta({ id: 'KnowledgeSearchResult' });

export const unansweredQuery = z.object({
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(100),
});
export type UnansweredQuery = z.infer<typeof unansweredQuery>;

export const unansweredList = Rpc.unansweredList.reply.meta({ id: 'UnansweredQuestions' });
