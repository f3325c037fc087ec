import { z } from '@steward/config';
import { masterKeyRotationEnv } from '@steward/secrets';

/** Variables of the custom-bot feature, spread into admin-api's environment schema. */
export const botEnv = {
  ...masterKeyRotationEnv,
  /**
   * Where Discord reaches the interactions service, when not behind STEWARD_PUBLIC_URL; the
   * dashboard shows `<this>/discord/webhook/` to paste into the Developer Portal.
   */
  STEWARD_INTERACTIONS_PUBLIC_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
        message: 'must be a URL starting with http:// or https://',
      })
      .optional(),
  ),
};
