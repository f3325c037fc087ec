import { stewardEnv, z } from '@steward/config';
import { masterKeyRotationEnv } from '@steward/secrets';

export const interactionsEnv = stewardEnv.extend({
  /** Register the /ask command for the platform application at start (bulk overwrite, idempotent). */
  INTERACTIONS_REGISTER_COMMANDS: z.enum(['1', '0']).default('1'),
  STEWARD_LOCAL_TENANT_ID: z.string().min(1).optional(),
  ...masterKeyRotationEnv,
});
export type InteractionsConfig = z.infer<typeof interactionsEnv>;
