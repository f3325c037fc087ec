import { isIP } from 'node:net';
import { z } from 'zod';

/** A snowflake as Discord writes it: decimal digits. */
export const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord snowflake id (15 to 21 digits)');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );

/** Empty strings in the environment mean "not set". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { error: 'must be 1/0, true/false or yes/no' })
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

/** Address ranges a proxy list may name (as proxy-addr, which Fastify uses, knows them). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A proxy's address: an IP, a CIDR range, or one of the named ranges. */
function isProxyAddress(value: string): boolean {
  if (PROXY_RANGE_NAMES.has(value)) return true;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The proxies an HTTP service believes about the client's address and protocol
 * (X-Forwarded-For, X-Forwarded-Proto): none (`false`, the default), the listed ones (IPs,
 * CIDR ranges, or `loopback`, `linklocal`, `uniquelocal` for the private ranges an in-cluster
 * ingress comes from; comma-separated), or `true` for any peer. A header believed from anyone
 * would let a client choose its own address, and with it escape the per-address login limit.
 */
const trustedProxies = z
  .string()
  .trim()
  .transform((value, context): boolean | string[] => {
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    const addresses = value.split(',').map((address) => address.trim());
    if (addresses.every(isProxyAddress)) return addresses;
    context.addIssue({
      code: 'custom',
      message:
        'must be false, true, or the proxies\' addresses: IPs, CIDR ranges, loopback, linklocal or uniquelocal, comma-separated',
    });
    return z.NEVER;
  })
  .default(false);

/**
 * Every variable Steward reads, with its default. Services pick what they need with `.pick()`
 * or use the whole schema; see DESIGN.md "Running it".
 */
export const stewardEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .pipe(z.string().refine((v) => v.split(',').every((s) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(s.trim())), 'must be nats://host:port (comma-separated for a cluster)')),
  DATABASE_URL: optional(
    url(['postgres', 'postgresql']).refine((value) => !URL.canParse(value) || !new URL(value).searchParams.has('options'), {
      // The driver would let it replace the session settings each service starts with.
      message: 'must not set "options": each service sets its own search_path and session settings',
    }),
  ),
  DISCORD_API_URL: url(['http', 'https']).default('https://discord.com/api'),
  DISCORD_BOT_TOKEN: optional(z.string().min(20, 'looks too short to be a bot token')),
  DISCORD_APPLICATION_ID: optional(snowflake),
  DISCORD_PUBLIC_KEY: optional(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (the Ed25519 public key)')),
  ANTHROPIC_API_KEY: optional(z.string().min(1)),
  ANTHROPIC_BASE_URL: optional(url(['http', 'https'])),
  STEWARD_MASTER_KEY: optional(
    z.string().refine((v) => decodeMasterKey(v) !== null, 'must be 32 bytes as 64 hex characters or base64'),
  ),
  SMTP_URL: optional(url(['smtp', 'smtps'])),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(url(['http', 'https'])),
  STEWARD_DATA_DIR: z.string().min(1).default('.data'),
  ADMIN_PORT: port.default(8080),
  INTERACTIONS_PORT: port.default(8081),
  OPS_PORT: port.default(0),
  STEWARD_LOCAL: flag,
  TRUST_PROXY: trustedProxies,
});

export type StewardEnv = z.infer<typeof stewardEnv>;

/** The master key as 32 bytes, accepting hex or base64; null when it is neither. */
export function decodeMasterKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}
