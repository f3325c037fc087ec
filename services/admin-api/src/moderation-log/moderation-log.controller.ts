import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import {
  moderationActions,
  moderationOutcomes,
  ModerationRpc,
  type ModerationLogListReply,
} from '@steward/contracts';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { GuildsService } from '../guilds/guilds.service.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient } from '../rpc/rpc.client.js';

const discordId = z.string().regex(/^\d{15,21}$/, 'must be a Discord id');

const logQuery = z
  .object({
    guildId: discordId.optional(),
    action: z.enum(moderationActions).optional(),
    outcome: z.enum(moderationOutcomes).optional(),
    authorId: discordId.optional().meta({ description: 'Only entries about this member' }),
    from: z.iso
      .datetime({ offset: true, error: 'must be an ISO date-time' })
      .optional()
      .meta({ description: 'Only entries at or after this time', example: '2026-11-01T00:00:00Z' }),
    to: z.iso
      .datetime({ offset: true, error: 'must be an ISO date-time' })
      .optional()
      .meta({ description: 'Only entries at or before this time' }),
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be 1-100')
      .max(100, 'must be 1-100')
      .default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
    message: 'must not be after to',
    path: ['from'],
  });

const logPage = ModerationRpc.logList.reply.meta({ id: 'ModerationLogPage' });

/** What moderation did, and why (kept by the moderation service). */
@ApiTags('moderation')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/moderation`)
export class ModerationLogController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly guilds: GuildsService,
  ) {}

  @Get('log')
  @ApiOperation({ summary: 'Moderation log, newest first; pass nextCursor as cursor for the next page' })
  @ApiResponse({ status: 200, description: 'One page of entries', standardSchema: logPage })
  @ApiErrorResponses(400, 404)
  async list(
    @TenantId() tenantId: string,
    @Query({ schema: logQuery }) query: z.infer<typeof logQuery>,
  ): Promise<ModerationLogListReply> {
    if (query.guildId) await this.guilds.assertServes(tenantId, query.guildId);
    return this.rpc.request(ModerationRpc.logList, { tenantId, ...query });
  }
}
