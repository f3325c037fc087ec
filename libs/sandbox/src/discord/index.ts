export {
  DiscordSandbox,
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandboxOptions,
  type GuildSnapshot,
  type PostMessageInput,
  type RestLogEntry,
} from './sandbox.js';
export type { MessageEvent } from './actions.js';
export type {
  InteractionDelivery,
  PressButtonInput,
  SendInteractionInput,
  CommandOptionValue,
} from './interactions.js';
export { signInteraction } from './interactions.js';
export type { FailureFault, RateLimitFault } from './rate-limits.js';
export type { GatewayTarget } from './gateway.js';
export { DiscordApiError, SandboxInputError } from './errors.js';
export {
  Permission,
  ALL_PERMISSIONS,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
} from './permissions.js';
export { PRIVILEGED_INTENTS } from './model.js';
export { SnowflakeGenerator, shardForGuild, snowflakeTime } from './snowflake.js';
