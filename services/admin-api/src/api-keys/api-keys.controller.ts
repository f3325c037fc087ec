import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { AccountsService } from '../accounts/accounts.service.js';
import { OwnerOnly } from '../auth/roles.decorator.js';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { ApiError } from '../http/api-error.js';
import { API_PREFIX } from '../http/api-prefix.js';

const newKeyBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .meta({ description: 'What the key is for', example: 'CI pipeline' }),
  })
  .meta({ id: 'NewApiKey' });

const keyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
type KeyView = z.infer<typeof keyView>;

const keyList = z.object({ keys: z.array(keyView) }).meta({ id: 'ApiKeyList' });
const createdKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    key: z.string().meta({ description: 'The key itself: shown this once, never again' }),
  })
  .meta({ id: 'CreatedApiKey' });

/** The tenant's API keys (owner only): hashed at rest, shown once, revocable. */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiCookieAuth()
@OwnerOnly()
@ApiErrorResponses(401)
@ApiResponse({ status: 403, description: 'Agents cannot manage API keys' })
@Controller(`${API_PREFIX}/api-keys`)
export class ApiKeysController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'List API keys (revoked ones included)' })
  @ApiResponse({ status: 200, description: 'The keys, oldest first', standardSchema: keyList })
  async list(@TenantId() tenantId: string): Promise<{ keys: KeyView[] }> {
    const keys = await this.accounts.listApiKeys(tenantId);
    return {
      keys: keys.map((key) => ({
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        createdAt: key.createdAt.toISOString(),
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
        revokedAt: key.revokedAt?.toISOString() ?? null,
      })),
    };
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create an API key; the answer holds the key, shown this once' })
  @ApiResponse({ status: 201, description: 'Created', standardSchema: createdKey })
  @ApiErrorResponses(400, 415)
  async create(
    @TenantId() tenantId: string,
    @Body({ schema: newKeyBody }) body: z.infer<typeof newKeyBody>,
  ): Promise<z.infer<typeof createdKey>> {
    const issued = await this.accounts.issueApiKey(tenantId, body.name);
    return { id: issued.apiKey.id, name: issued.apiKey.name, key: issued.key };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API key; requests with it get 401 from now on' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiErrorResponses(400, 404)
  async revoke(
    @TenantId() tenantId: string,
    @Param('id', { schema: z.uuid({ error: 'must be a UUID' }) }) id: string,
  ): Promise<void> {
    if (!(await this.accounts.revokeApiKey(tenantId, id))) throw ApiError.notFound('API key');
  }
}
