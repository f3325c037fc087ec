import { z } from '@steward/config';

const bytes = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number of bytes' })
    .int('must be a whole number')
    .min(1024, 'must be at least 1024')
    .default(fallback);

/** Variables of the knowledge upload and URL import, spread into admin-api's environment schema. */
export const knowledgeEnv = {
  /** Largest file accepted by `POST /knowledge/documents/upload`. */
  ADMIN_UPLOAD_MAX_BYTES: bytes(10 * 1024 * 1024),
  /** Largest page fetched by `POST /knowledge/documents/import`. */
  ADMIN_URL_IMPORT_MAX_BYTES: bytes(5 * 1024 * 1024),
  /** How long a URL import may take, redirects included. */
  ADMIN_URL_IMPORT_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(120_000, 'must be at most 120000')
    .default(10_000),
  /**
   * Hosts a URL import may fetch even though they resolve to private or loopback addresses
   * (comma-separated host names or IPs). For tests and trusted internal wikis only: every other
   * host is refused when it resolves to a private, loopback, link-local or unique-local address.
   */
  STEWARD_URL_IMPORT_ALLOW_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) =>
          host
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter(Boolean),
    ),
};
