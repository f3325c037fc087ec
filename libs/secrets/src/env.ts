import { decodeMasterKey, z } from '@steward/config';

/**
 * The variable that makes master-key rotation possible, for a service's `stewardEnv.extend()`:
 * the previous master key(s), comma-separated, accepted for decryption only.
 */
export const masterKeyRotationEnv = {
  STEWARD_MASTER_KEY_PREVIOUS: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .refine(
        (value) =>
          value
            .split(',')
            .map((key) => key.trim())
            .every((key) => decodeMasterKey(key) !== null),
        'must be 32-byte keys (64 hex characters or base64), comma-separated',
      )
      .optional(),
  ),
};
