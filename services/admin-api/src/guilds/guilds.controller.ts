import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { guildSettings, isThreadChannel, type GuildDirectoryReply, type GuildSettings } from '@steward/contracts';
import { OwnerOnly } from '../auth/roles.decorator.js';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { missingPermissions } from './bot-permissions-check.js';
import { DirectoryClient } from './directory.client.js';
import { GatewayStatusReader, type GuildGateway } from './gateway-status.reader.js';
import type { Guild } from './guild.entity.js';
import {
  guildDetailView,
  guildIdParam,
  guildList,
  guildSettingsView,
  type GuildDetailView,
  type GuildSummaryView,
} from './guilds.schemas.js';
import { GuildsService } from './guilds.service.js';

const { $schema: _drop, ...settingsJsonSchema } = z.toJSONSchema(guildSettings, { io: 'input' }) as Record<
  string,
  unknown
>;

/** The tenant's Discord servers and their settings. */
@ApiTags('guilds')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiErrorResponses(401)
@Controller(`${API_PREFIX}/guilds`)
export class GuildsController {
  constructor(
    private readonly guilds: GuildsService,
    private readonly directory: DirectoryClient,
    private readonly gatewayStatus: GatewayStatusReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The servers linked to this tenant' })
  @ApiResponse({ status: 200, description: 'Oldest link first', standardSchema: guildList })
  async list(@TenantId() tenantId: string): Promise<{ guilds: GuildSummaryView[] }> {
    const guilds = await this.guilds.list(tenantId);
    const [gateways, directories] = await Promise.all([
      this.gatewayStatus.forGuilds(guilds),
      Promise.all(guilds.map((guild) => this.directory.guild(guild.guildId))),
    ]);
    return {
      guilds: guilds.map((guild, index) => summary(guild, gateways.get(guild.guildId), directories[index] ?? null)),
    };
  }

  @Get(':guildId')
  @ApiOperation({ summary: 'One server, with its channels and roles' })
  @ApiResponse({ status: 200, description: 'The server', standardSchema: guildDetailView })
  @ApiErrorResponses(400, 404)
  async get(
    @TenantId() tenantId: string,
    @Param('guildId', { schema: guildIdParam }) guildId: string,
  ): Promise<GuildDetailView> {
    const guild = await this.guilds.get(tenantId, guildId);
    const [gateways, directory] = await Promise.all([
      this.gatewayStatus.forGuilds([guild]),
      this.directory.guild(guildId),
    ]);
    return {
      ...summary(guild, gateways.get(guildId), directory),
      name: directory?.guild.name ?? guild.name,
      // The directory keeps active threads too (moderation follows them to their parent); the
      // dashboard lists the server's channels.
      channels: (directory?.channels ?? [])
        .filter(({ type }) => !isThreadChannel(type))
        .map(({ id, name, type }) => ({ id, name, type })),
      roles: (directory?.roles ?? []).map(({ id, name, position }) => ({ id, name, position })),
    };
  }

  @Delete(':guildId')
  @OwnerOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Release the server: the bot stops serving it for this tenant, and another tenant may link it',
  })
  @ApiResponse({ status: 204, description: 'Released' })
  @ApiResponse({ status: 403, description: 'Only the owner releases servers' })
  @ApiErrorResponses(400, 404)
  async release(
    @TenantId() tenantId: string,
    @Param('guildId', { schema: guildIdParam }) guildId: string,
  ): Promise<void> {
    await this.guilds.release(tenantId, guildId);
  }

  @Get(':guildId/settings')
  @ApiOperation({ summary: "The server's settings" })
  @ApiResponse({ status: 200, description: 'The settings', standardSchema: guildSettingsView })
  @ApiErrorResponses(400, 404)
  async settings(
    @TenantId() tenantId: string,
    @Param('guildId', { schema: guildIdParam }) guildId: string,
  ): Promise<GuildSettings> {
    return (await this.guilds.get(tenantId, guildId)).settings;
  }

  @Put(':guildId/settings')
  @ApiOperation({
    summary: "Replace the server's settings (missing fields take their defaults)",
    description:
      'Channel and role ids are checked against the server when the directory knows it; moderation needs rules while enabled.',
  })
  @ApiBody({ schema: settingsJsonSchema })
  @ApiResponse({ status: 200, description: 'Saved and live', standardSchema: guildSettingsView })
  @ApiErrorResponses(400, 404, 409, 415, 503)
  replace(
    @TenantId() tenantId: string,
    @Param('guildId', { schema: guildIdParam }) guildId: string,
    @Body() body: unknown,
  ): Promise<GuildSettings> {
    return this.guilds.replaceSettings(tenantId, guildId, body);
  }

  @Patch(':guildId/settings')
  @ApiOperation({
    summary: "Change some of the server's settings (JSON merge patch: objects merge, null resets a field)",
  })
  @ApiBody({ schema: { type: 'object', description: 'Any part of the GuildSettings object' } })
  @ApiResponse({ status: 200, description: 'Saved and live', standardSchema: guildSettingsView })
  @ApiErrorResponses(400, 404, 409, 415, 503)
  patch(
    @TenantId() tenantId: string,
    @Param('guildId', { schema: guildIdParam }) guildId: string,
    @Body() body: unknown,
  ): Promise<GuildSettings> {
    return this.guilds.patchSettings(tenantId, guildId, body);
  }
}

function summary(
  guild: Guild,
  gateway: GuildGateway | undefined,
  directory: GuildDirectoryReply | null,
): GuildSummaryView {
  return {
    id: guild.guildId,
    name: guild.name,
    iconUrl: guild.icon ? `https://cdn.discordapp.com/icons/${guild.guildId}/${guild.icon}.png` : null,
    connected: true,
    applicationId: guild.applicationId,
    responseMode: guild.settings.responseMode,
    moderationEnabled: guild.settings.moderation.enabled,
    health: {
      gateway: gateway?.state ?? 'offline',
      gatewayFailure: gateway?.failure ?? null,
      missingPermissions: directory ? missingPermissions(directory, guild.settings) : null,
    },
  };
}
