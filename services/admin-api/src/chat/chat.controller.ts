import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { apiErrorBody, ApiError } from '../http/api-error.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { chatBody, chatReply, type ChatBody, type ChatReply } from './chat.schemas.js';
import { ChatService } from './chat.service.js';
import { CHAT_MAX_WAIT_SECONDS, preferredWaitSeconds } from './prefer-wait.js';

/** The chat channel of the API: answers from the tenant's knowledge base, on the same quota as Discord. */
@ApiTags('chat')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/chat`)
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Ask a question',
    description:
      "Answered from the tenant's knowledge base, in the question's language, remembering earlier questions of the same `session_id`. Each answer counts as one message of the monthly quota (kind and channel `api`).",
  })
  @ApiHeader({
    name: 'Prefer',
    required: false,
    description: `\`wait=<seconds>\` (RFC 7240): give up sooner than the default ${CHAT_MAX_WAIT_SECONDS} s`,
  })
  @ApiResponse({ status: 200, description: 'The answer', standardSchema: chatReply })
  @ApiResponse({
    status: 429,
    description:
      'The monthly message quota is used up (`quota_exceeded`); `Retry-After` tells when it renews',
    standardSchema: apiErrorBody,
  })
  @ApiResponse({
    status: 504,
    description: 'No answer in time (`answer_timeout`); the question is then left, and not counted',
    standardSchema: apiErrorBody,
  })
  @ApiErrorResponses(400, 413, 415, 502)
  async ask(
    @TenantId() tenantId: string,
    @Body({ schema: chatBody }) body: ChatBody,
    @Headers('prefer') prefer: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatReply> {
    const waitSeconds = preferredWaitSeconds(prefer);
    if (waitSeconds !== undefined) reply.header('Preference-Applied', `wait=${waitSeconds}`);
    const result = await this.chat.ask(
      {
        tenantId,
        message: body.message,
        sessionId: body.session_id ?? randomUUID(),
        authorId: request.auth?.apiKeyId ?? '',
      },
      (waitSeconds ?? CHAT_MAX_WAIT_SECONDS) * 1000,
    );
    switch (result.kind) {
      case 'answered':
        return result.reply;
      case 'quota_exceeded':
        if (result.retryAfterSeconds) reply.header('Retry-After', String(result.retryAfterSeconds));
        throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'quota_exceeded', result.message);
      case 'failed':
        throw new ApiError(
          HttpStatus.BAD_GATEWAY,
          'upstream_failed',
          'The answer service could not answer this question; the error has been logged',
        );
      case 'timeout':
        throw new ApiError(
          HttpStatus.GATEWAY_TIMEOUT,
          'answer_timeout',
          'No answer in time; the question is left unanswered and not counted. Try again shortly',
        );
    }
  }
}
