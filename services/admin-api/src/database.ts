import type { ServiceDatabase } from '@steward/db';
import { Bot } from './bot/bot.entity.js';
import { CreateBots1767400000000 } from './migrations/1767400000000-CreateBots.js';
import { ApiKey } from './accounts/api-key.entity.js';
import { Tenant } from './accounts/tenant.entity.js';
import { User } from './accounts/user.entity.js';
import { CreateAccounts1767225600000 } from './migrations/1767225600000-CreateAccounts.js';
import { CreateSessionsAndGuilds1767300000000 } from './migrations/1767300000000-CreateSessionsAndGuilds.js';
import { Session } from './auth/session.entity.js';
import { Guild } from './guilds/guild.entity.js';

export const database: ServiceDatabase = {
  schema: 'admin',
  entities: [Tenant, User, ApiKey, Session, Guild, Bot],
  migrations: [CreateAccounts1767225600000, CreateSessionsAndGuilds1767300000000, CreateBots1767400000000],
};
