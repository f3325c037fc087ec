import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccountsService } from '../accounts/accounts.service.js';
import { hashApiKey, looksLikeApiKey, sameDigest } from '../accounts/api-key-secret.js';
import type { AuthContext, Authenticator } from './auth-context.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * `Authorization: Bearer stw_...`: the key is looked up by its SHA-256; revoked keys are refused.
 * Only owners create keys, so a key acts with the owner's rights.
 */
@Injectable()
export class ApiKeyAuthenticator implements Authenticator {
  constructor(private readonly accounts: AccountsService) {}

  async authenticate(request: FastifyRequest): Promise<AuthContext | null> {
    const key = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!key || !looksLikeApiKey(key)) return null;
    const keyHash = hashApiKey(key);
    const apiKey = await this.accounts.findApiKeyByHash(keyHash);
    if (!apiKey || !sameDigest(apiKey.keyHash, keyHash) || apiKey.revokedAt) return null;
    await this.accounts.touchApiKey(apiKey);
    return { tenantId: apiKey.tenantId, method: 'api_key', role: 'owner', apiKeyId: apiKey.id };
  }
}
