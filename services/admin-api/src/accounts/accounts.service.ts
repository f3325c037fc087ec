import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from '@steward/db';
import { randomUUID } from 'node:crypto';
import { ApiKey } from './api-key.entity.js';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-secret.js';
import { hashPassword } from './password.js';
import { Tenant, type Plan } from './tenant.entity.js';
import { User, type Role } from './user.entity.js';

export interface NewTenant {
  id?: string;
  name: string;
  plan: Plan;
}

export interface NewUser {
  tenantId: string;
  email: string;
  password: string;
  role: Role;
}

export interface IssuedApiKey {
  apiKey: ApiKey;
  /** The key itself: shown once, never stored. */
  key: string;
}

/** Tenants, users and API keys in the `admin` schema. */
@Injectable()
export class AccountsService {
  constructor(private readonly db: DataSource) {}

  createTenant(tenant: NewTenant, manager: EntityManager = this.db.manager): Promise<Tenant> {
    return manager
      .getRepository(Tenant)
      .save(manager.create(Tenant, { id: tenant.id ?? randomUUID(), name: tenant.name, plan: tenant.plan }));
  }

  async createUser(user: NewUser, manager: EntityManager = this.db.manager): Promise<User> {
    const passwordHash = await hashPassword(user.password);
    return manager.getRepository(User).save(
      manager.create(User, {
        tenantId: user.tenantId,
        email: normalizeEmail(user.email),
        passwordHash,
        role: user.role,
      }),
    );
  }

  /** A new tenant with its owner, at once; null when the email address is already taken. */
  async signUp(input: { tenantName: string; email: string; password: string; plan: Plan }): Promise<{
    tenant: Tenant;
    user: User;
  } | null> {
    const signUp = this.db.transaction(async (manager) => {
      if (await this.findUserByEmail(input.email, manager)) return null;
      const tenant = await this.createTenant({ name: input.tenantName, plan: input.plan }, manager);
      const user = await this.createUser(
        { tenantId: tenant.id, email: input.email, password: input.password, role: 'owner' },
        manager,
      );
      return { tenant, user };
    });
    return signUp.catch(nullWhenEmailTaken);
  }

  /** A new agent of the tenant; null when the email address is already taken. */
  async addAgent(tenantId: string, input: { email: string; password: string }): Promise<User | null> {
    if (await this.findUserByEmail(input.email)) return null;
    return this.createUser({ tenantId, ...input, role: 'agent' }).catch(nullWhenEmailTaken);
  }

  findTenant(tenantId: string): Promise<Tenant | null> {
    return this.db.getRepository(Tenant).findOneBy({ id: tenantId });
  }

  findUser(tenantId: string, userId: string): Promise<User | null> {
    return this.db.getRepository(User).findOneBy({ id: userId, tenantId });
  }

  listUsers(tenantId: string): Promise<User[]> {
    return this.db.getRepository(User).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return this.db.getRepository(ApiKey).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  /** Replaces a user's password hash (a rehash with stronger parameters at login). */
  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.getRepository(User).update({ id: userId }, { passwordHash });
  }

  findUserByEmail(email: string, manager: EntityManager = this.db.manager): Promise<User | null> {
    return manager.getRepository(User).findOneBy({ email: normalizeEmail(email) });
  }

  /** Creates a key for the tenant; `key` (given, or generated) is returned once and stored only as a hash. */
  async issueApiKey(
    tenantId: string,
    name: string,
    key: string = generateApiKey(),
    manager: EntityManager = this.db.manager,
  ): Promise<IssuedApiKey> {
    const apiKey = await manager
      .getRepository(ApiKey)
      .save(manager.create(ApiKey, { tenantId, name, prefix: displayPrefix(key), keyHash: hashApiKey(key) }));
    return { apiKey, key };
  }

  /** Revokes one of the tenant's keys; false when the tenant has no such key. */
  async revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const result = await this.db
      .getRepository(ApiKey)
      .update({ id: keyId, tenantId }, { revokedAt: () => 'COALESCE(revoked_at, now())' });
    return (result.affected ?? 0) > 0;
  }

  findApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    return this.db.getRepository(ApiKey).findOneBy({ keyHash });
  }

  /** Records a use of the key, at most once a minute (a write per request would be wasted). */
  async touchApiKey(apiKey: ApiKey, now: Date = new Date()): Promise<void> {
    if (apiKey.lastUsedAt && now.getTime() - apiKey.lastUsedAt.getTime() < 60_000) return;
    await this.db.query(
      `UPDATE api_keys SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [apiKey.id, now],
    );
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Two requests with one address at the same moment: the unique index decides. */
function nullWhenEmailTaken(error: unknown): null {
  if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') return null;
  throw error;
}
