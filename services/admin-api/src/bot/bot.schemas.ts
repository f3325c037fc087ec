import { snowflake, z } from '@steward/config';

/** Three base64url parts separated by dots, as Discord issues bot tokens. */
const BOT_TOKEN_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** `PUT /bot`: the three values from the Discord Developer Portal. */
export const saveBotBody = z
  .object({
    applicationId: snowflake.meta({
      description: 'General Information → Application ID',
      example: '1234567890123456789',
    }),
    publicKey: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (General Information → Public Key)')
      .meta({ description: 'General Information → Public Key (64 hex characters)' }),
    token: z
      .string()
      .trim()
      .refine(
        (token) => token.length >= 30 && token.length <= 200 && BOT_TOKEN_SHAPE.test(token),
        'does not look like a bot token (Bot → Reset Token)',
      )
      .meta({ description: 'Bot → Reset Token. Checked with Discord, stored encrypted, never shown again' }),
  })
  .meta({ id: 'SaveBot' });
export type SaveBotBody = z.infer<typeof saveBotBody>;

export const botView = z
  .object({
    mode: z
      .enum(['platform', 'custom'])
      .meta({ description: "`platform`: Steward's bot; `custom`: the tenant's own" }),
    applicationId: z.string().nullable(),
    publicKey: z.string().nullable(),
    botUsername: z.string().nullable(),
    interactionsEndpointUrl: z.string().meta({
      description: 'Paste into General Information → Interactions Endpoint URL in the Developer Portal',
      example: 'https://steward.example.com/discord/webhook/',
    }),
  })
  .meta({ id: 'Bot' });
export type BotView = z.infer<typeof botView>;
