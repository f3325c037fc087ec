import { SetMetadata } from '@nestjs/common';

export const OWNER_ONLY = 'steward:admin:owner-only';

/**
 * Reserves a route (or a controller) to the tenant's owner: API keys, team, installing and
 * releasing servers, the bot, billing. Agents get 403 `forbidden`.
 */
export const OwnerOnly = () => SetMetadata(OWNER_ONLY, true);
