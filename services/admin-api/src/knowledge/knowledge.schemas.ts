import { z } from '@steward/config';
import { documentStatus, documentView } from '@steward/contracts';

/** `POST /knowledge/documents`: the limits are those of the answer service (Rpc.knowledgeAdd). */
export const newDocumentBody = z
  .object({
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
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
