import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { TakeoverErrorCode, TakeoverRpc, type TakeoverReply } from '@steward/contracts';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../auth/auth-context.js';
import { CurrentAuth } from '../auth/current-auth.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { ApiError } from '../http/api-error.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient, type RpcContract } from '../rpc/rpc.client.js';
import { ServiceCallError } from '../rpc/service-call.error.js';
import { AgentIdentities } from './agent-identity.js';
import {
  agentMessageBody,
  conversationDetailView,
  conversationId,
  conversationPage,
  conversationView,
  idempotencyKey,
  listQuery,
  postedMessage,
  type AgentMessageBody,
  type ListQuery,
} from './conversations.schemas.js';
import { PlanGate } from './plan-gate.js';
import { PlanRequiredError } from './plan-required.error.js';

/**
 * Conversations for live monitoring and human takeover (Standard and Pro), kept by the
 * takeover service. Every route answers for the caller's tenant only; another tenant's
 * conversation is a 404.
 */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@ApiResponse({ status: 403, description: 'The plan does not include live monitoring (`plan_required`)' })
@Controller(`${API_PREFIX}/conversations`)
export class ConversationsController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly plans: PlanGate,
    private readonly agents: AgentIdentities,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Conversations, most recent message first',
    description: 'Filter by `state`; page with `nextCursor`.',
  })
  @ApiResponse({ status: 200, description: 'A page of conversations', standardSchema: conversationPage })
  @ApiErrorResponses(400)
  async list(
    @CurrentAuth() auth: AuthContext,
    @Query({ schema: listQuery }) query: ListQuery,
  ): Promise<TakeoverReply<'list'>> {
    await this.plans.requireLiveMonitoring(auth.tenantId);
    return this.takeover(TakeoverRpc.list, { tenantId: auth.tenantId, ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation with its transcript, oldest turn first' })
  @ApiResponse({ status: 200, description: 'The conversation', standardSchema: conversationDetailView })
  @ApiErrorResponses(400, 404)
  async get(
    @CurrentAuth() auth: AuthContext,
    @Param('id', { schema: conversationId }) id: string,
  ): Promise<TakeoverReply<'get'>> {
    await this.plans.requireLiveMonitoring(auth.tenantId);
    return this.takeover(TakeoverRpc.get, { tenantId: auth.tenantId, conversationId: id });
  }

  @Post(':id/takeover')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Take the conversation over',
    description: 'The AI stays silent in it until you release it, or three minutes after your last action.',
  })
  @ApiResponse({
    status: 200,
    description: 'The conversation, now in your hands',
    standardSchema: conversationView,
  })
  @ApiErrorResponses(400, 404)
  async takeoverConversation(
    @CurrentAuth() auth: AuthContext,
    @Param('id', { schema: conversationId }) id: string,
  ): Promise<TakeoverReply<'takeover'>> {
    await this.plans.requireLiveMonitoring(auth.tenantId);
    const agent = await this.agents.of(auth);
    return this.takeover(TakeoverRpc.takeover, { tenantId: auth.tenantId, conversationId: id, agent });
  }

  @Post(':id/messages')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Write in the conversation as the bot',
    description: 'Takes the conversation over if you had not, and restarts the three-minute window.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A repeated request with the same key posts once',
  })
  @ApiResponse({ status: 201, description: 'Sent to Discord', standardSchema: postedMessage })
  @ApiErrorResponses(400, 404)
  async message(
    @CurrentAuth() auth: AuthContext,
    @Param('id', { schema: conversationId }) id: string,
    @Body({ schema: agentMessageBody }) body: AgentMessageBody,
    @Headers('idempotency-key') idempotencyHeader: string | undefined,
  ): Promise<TakeoverReply<'message'>> {
    const key = idempotencyKey.safeParse(idempotencyHeader);
    if (!key.success)
      throw ApiError.validation([{ field: 'Idempotency-Key', message: key.error.issues[0]!.message }]);
    await this.plans.requireLiveMonitoring(auth.tenantId);
    const agent = await this.agents.of(auth);
    return this.takeover(TakeoverRpc.message, {
      tenantId: auth.tenantId,
      conversationId: id,
      agent,
      requestId: key.data ?? randomUUID(),
      content: body.content,
    });
  }

  @Post(':id/release')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Hand the conversation back to the AI now' })
  @ApiResponse({
    status: 200,
    description: 'The conversation, back with the AI',
    standardSchema: conversationView,
  })
  @ApiErrorResponses(400, 404)
  async release(
    @CurrentAuth() auth: AuthContext,
    @Param('id', { schema: conversationId }) id: string,
  ): Promise<TakeoverReply<'release'>> {
    await this.plans.requireLiveMonitoring(auth.tenantId);
    const agent = await this.agents.of(auth);
    return this.takeover(TakeoverRpc.release, { tenantId: auth.tenantId, conversationId: id, agent });
  }

  /** A takeover RPC; its own plan check (the same rule) answers with the same 403. */
  private async takeover<C extends RpcContract>(
    contract: C,
    request: z.input<C['request']>,
  ): Promise<z.output<C['reply']>> {
    try {
      return await this.rpc.request(contract, request);
    } catch (error) {
      if (error instanceof ServiceCallError && error.code === TakeoverErrorCode.PlanRequired)
        throw new PlanRequiredError();
      throw error;
    }
  }
}
