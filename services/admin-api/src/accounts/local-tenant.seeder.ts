import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AdminApiConfig } from '../config.js';
import { AccountsService } from './accounts.service.js';
import { ApiKey } from './api-key.entity.js';
import { displayPrefix, hashApiKey } from './api-key-secret.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import { Tenant } from './tenant.entity.js';
import { User } from './user.entity.js';

/** The name of the API key that local mode keeps in line with STEWARD_LOCAL_API_KEY. */
export const LOCAL_API_KEY_NAME = 'local';

export interface LocalTenantSettings {
  tenantId: string;
  apiKey?: string;
  adminEmail?: string;
  adminPassword?: string;
}

/** What a seeding run changed (nothing, on a second start with the same settings). */
export interface SeedOutcome {
  tenantCreated: boolean;
  localApiKey: 'created' | 'replaced' | 'unchanged' | 'not configured';
  owner: 'created' | 'password changed' | 'unchanged' | 'not configured';
}

/**
 * In local mode (`npm start`) the machine's single tenant, plan Pro, with the API key and
 * owner login that `npm start` prints. Idempotent: a restart with the same settings writes
 * nothing; a changed key or password replaces the old one.
 */
@Injectable()
export class LocalTenantSeeder implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    private readonly accounts: AccountsService,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const tenantId = this.config.STEWARD_LOCAL_TENANT_ID;
    if (!this.config.STEWARD_LOCAL || !tenantId) return;
    const outcome = await this.seed({
      tenantId,
      apiKey: this.config.STEWARD_LOCAL_API_KEY,
      adminEmail: this.config.STEWARD_LOCAL_ADMIN_EMAIL,
      adminPassword: this.config.STEWARD_LOCAL_ADMIN_PASSWORD,
    });
    this.logger.info({ tenantId, ...outcome }, 'local tenant ready');
  }

  seed(settings: LocalTenantSettings): Promise<SeedOutcome> {
    return this.db.transaction(async (manager) => {
      // Replicas (or a fast restart) seeding at once take turns.
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('steward:admin:local-tenant'))");
      const tenantCreated = await this.ensureTenant(manager, settings.tenantId);
      return {
        tenantCreated,
        localApiKey: settings.apiKey
          ? await this.ensureApiKey(manager, settings.tenantId, settings.apiKey)
          : 'not configured',
        owner:
          settings.adminEmail && settings.adminPassword
            ? await this.ensureOwner(manager, settings.tenantId, settings.adminEmail, settings.adminPassword)
            : 'not configured',
      };
    });
  }

  private async ensureTenant(manager: EntityManager, tenantId: string): Promise<boolean> {
    if (await manager.getRepository(Tenant).existsBy({ id: tenantId })) return false;
    await this.accounts.createTenant({ id: tenantId, name: 'Local', plan: 'pro' }, manager);
    return true;
  }

  private async ensureApiKey(
    manager: EntityManager,
    tenantId: string,
    key: string,
  ): Promise<SeedOutcome['localApiKey']> {
    const keys = manager.getRepository(ApiKey);
    const existing = await keys.findOneBy({ tenantId, name: LOCAL_API_KEY_NAME });
    if (!existing) {
      await this.accounts.issueApiKey(tenantId, LOCAL_API_KEY_NAME, key, manager);
      return 'created';
    }
    const keyHash = hashApiKey(key);
    if (existing.keyHash === keyHash && !existing.revokedAt) return 'unchanged';
    await keys.update(
      { id: existing.id },
      { keyHash, prefix: displayPrefix(key), revokedAt: null, lastUsedAt: null },
    );
    return 'replaced';
  }

  private async ensureOwner(
    manager: EntityManager,
    tenantId: string,
    email: string,
    password: string,
  ): Promise<SeedOutcome['owner']> {
    const user = await this.accounts.findUserByEmail(email, manager);
    if (!user) {
      await this.accounts.createUser({ tenantId, email, password, role: 'owner' }, manager);
      return 'created';
    }
    if (user.tenantId !== tenantId) {
      throw new Error(
        `STEWARD_LOCAL_ADMIN_EMAIL belongs to a user of another tenant (${user.tenantId}); choose another address`,
      );
    }
    if ((await verifyPassword(password, user.passwordHash)) && !needsRehash(user.passwordHash))
      return 'unchanged';
    await manager
      .getRepository(User)
      .update({ id: user.id }, { passwordHash: await hashPassword(password), role: 'owner' });
    return 'password changed';
  }
}
