import { Injectable } from '@nestjs/common';
import type { AgentIdentity } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { ApiKey } from '../accounts/api-key.entity.js';
import { User } from '../accounts/user.entity.js';
import type { AuthContext } from '../auth/auth-context.js';

/**
 * Who acts on a conversation, as the transcript and the live feed show it: the signed-in
 * user (named by their e-mail's local part), or the API key (named by its label).
 */
@Injectable()
export class AgentIdentities {
  constructor(private readonly db: DataSource) {}

  async of(auth: AuthContext): Promise<AgentIdentity> {
    if (auth.userId) {
      const user = await this.db.getRepository(User).findOneBy({ id: auth.userId, tenantId: auth.tenantId });
      // An agent's name holds at most 100 characters; an e-mail's local part may hold more.
      return { id: `user:${auth.userId}`, name: user ? user.email.split('@')[0]!.slice(0, 100) : 'Agent' };
    }
    if (auth.apiKeyId) {
      const key = await this.db
        .getRepository(ApiKey)
        .findOneBy({ id: auth.apiKeyId, tenantId: auth.tenantId });
      return { id: `api-key:${auth.apiKeyId}`, name: key?.name ? key.name.slice(0, 100) : 'API' };
    }
    return { id: `tenant:${auth.tenantId}`, name: 'Agent' };
  }
}
