import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OwnerOnly } from '../auth/roles.decorator.js';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { apiErrorBody } from '../http/api-error.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { botView, saveBotBody, type BotView, type SaveBotBody } from './bot.schemas.js';
import { BotsService } from './bots.service.js';

/** The tenant's own Discord bot, instead of Steward's. */
@ApiTags('bot')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiErrorResponses(401)
@ApiResponse({ status: 403, description: 'Only the owner manages the bot', standardSchema: apiErrorBody })
@OwnerOnly()
@Controller(`${API_PREFIX}/bot`)
export class BotController {
  constructor(private readonly bots: BotsService) {}

  @Get()
  @ApiOperation({
    summary: 'Which bot serves this tenant, and the interactions endpoint URL for the Developer Portal',
  })
  @ApiResponse({ status: 200, description: 'The bot (the token is never returned)', standardSchema: botView })
  view(@TenantId() tenantId: string): Promise<BotView> {
    return this.bots.view(tenantId);
  }

  @Put()
  @ApiOperation({
    summary: 'Use your own bot',
    description:
      'The token is checked with Discord (`GET /users/@me`, `GET /applications/@me`: the application id and public key must be ' +
      "that token's) before anything is saved; it is stored encrypted and never returned. The gateway connects the bot and " +
      '/ask is registered for it within seconds. Then paste `interactionsEndpointUrl` into the Developer Portal.',
  })
  @ApiResponse({ status: 200, description: 'Saved', standardSchema: botView })
  @ApiErrorResponses(400, 415, 502, 503)
  @ApiResponse({
    status: 409,
    description: 'The application is connected to another account, or is Steward’s own',
    standardSchema: apiErrorBody,
  })
  save(@TenantId() tenantId: string, @Body({ schema: saveBotBody }) body: SaveBotBody): Promise<BotView> {
    return this.bots.save(tenantId, body);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Go back to the Steward bot',
    description: 'The custom bot disconnects; its token is deleted.',
  })
  @ApiResponse({ status: 204, description: 'Back on the platform bot (also when there was no custom bot)' })
  async remove(@TenantId() tenantId: string): Promise<void> {
    await this.bots.remove(tenantId);
  }
}
