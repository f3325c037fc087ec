import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { SchedulerRpc, type HistoryListReply } from '@steward/contracts';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { GuildsService } from '../guilds/guilds.service.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient } from '../rpc/rpc.client.js';

const historyQuery = z.object({
  guildId: z
    .string()
    .regex(/^\d{15,21}$/, 'must be a Discord id')
    .optional(),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1-100')
    .max(100, 'must be 1-100')
    .default(20),
  cursor: z.string().max(200).optional(),
});

const historyPage = SchedulerRpc.historyList.reply.meta({ id: 'ProactiveHistoryPage' });

/** The proactive posts the scheduler made (or could not make, and why). */
@ApiTags('proactive')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/proactive`)
export class ProactiveHistoryController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly guilds: GuildsService,
  ) {}

  @Get('history')
  @ApiOperation({ summary: 'Proactive posts, newest first; pass nextCursor as cursor for the next page' })
  @ApiResponse({ status: 200, description: 'One page of posts', standardSchema: historyPage })
  @ApiErrorResponses(400, 404)
  async list(
    @TenantId() tenantId: string,
    @Query({ schema: historyQuery }) query: z.infer<typeof historyQuery>,
  ): Promise<HistoryListReply> {
    if (query.guildId) await this.guilds.assertServes(tenantId, query.guildId);
    return this.rpc.request(SchedulerRpc.historyList, { tenantId, ...query });
  }
}
