import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MeteringRpc } from '@steward/contracts';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient } from '../rpc/rpc.client.js';
import { planView, usageDate, usageView, type PlanView, type UsageView } from './usage.schemas.js';

/** The tenant's plan and how much of its monthly quota is used, as the metering service counts it. */
@ApiTags('usage')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@Controller(API_PREFIX)
export class UsageController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('usage')
  @ApiOperation({
    summary: 'Messages used in a billing period',
    description:
      'Every AI answer on Discord, moderation check, proactive post and chat API answer counts as one message, once. Totals, by kind, by channel, by server and day by day.',
  })
  @ApiQuery({ name: 'date', required: false, schema: { type: 'string', format: 'date' } })
  @ApiResponse({ status: 200, description: 'Usage of the period', standardSchema: usageView })
  @ApiErrorResponses(400)
  async usage(
    @TenantId() tenantId: string,
    @Query('date', { schema: usageDate }) date: string | undefined,
  ): Promise<UsageView> {
    const { tenantId: _tenant, ...report } = await this.rpc.request(MeteringRpc.usage, {
      tenantId,
      period: date,
    });
    return report;
  }

  @Get('plan')
  @ApiOperation({ summary: "The tenant's plan: monthly quota and features" })
  @ApiResponse({ status: 200, description: 'The plan', standardSchema: planView })
  async plan(@TenantId() tenantId: string): Promise<PlanView> {
    const { plan, quota, features } = await this.rpc.request(MeteringRpc.entitlements, { tenantId });
    return { plan, quota, features };
  }
}
