import type { ServiceDatabase } from '@steward/db';
import { ApiKey } from './accounts/api-key.entity.js';
import { Tenant } from './accounts/tenant.entity.js';
import { User } from './accounts/user.entity.js';
import { CreateAccounts1767225600000 } from './migrations/1767225600000-CreateAccounts.js';

export const database: ServiceDatabase = {
  schema: 'admin',
  entities: [Tenant, User, ApiKey],
  migrations: [CreateAccounts1767225600000],
};
