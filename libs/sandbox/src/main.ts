// Runs the Discord sandbox as its own process for the local stack (`npm start`).
// Seeding is deterministic, so ids, the bot token and the public key are the same on every start.
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { startDiscordSandbox } from './discord/index.js';

/** 2025-01-01T00:00:00Z: fixed snowflake clock, so seeded ids repeat across restarts. */
const SEED_TIME = Date.UTC(2025, 0, 1);
const APPLICATION_ID = '1323890262233874432';
const BOT_TOKEN = `${Buffer.from(APPLICATION_ID).toString('base64url')}.sandbox.local-development-token`;
const KEY_SEED = '5374657761726420446973636f72642073616e64626f78206b65792073656564';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

async function main(): Promise<void> {
  const sandbox = await startDiscordSandbox({
    host: process.env.SANDBOX_HOST || '127.0.0.1',
    port: portFromEnv('SANDBOX_PORT', 8090),
    snowflakeStartTime: SEED_TIME,
  });

  const app = sandbox.createApplication({
    name: 'Steward',
    id: APPLICATION_ID,
    token: BOT_TOKEN,
    keySeed: KEY_SEED,
    clientSecret: 'sandbox-client-secret',
  });
  const guild = sandbox.createGuild({ name: 'Steward Sandbox', applicationIds: [app.id] });
  const support = sandbox.createChannel({
    guildId: guild.id,
    name: 'support',
    topic: 'Ask the bot anything',
  });
  // Created after the bot's role, so it sits above it: the bot cannot moderate moderators.
  const moderatorRole = sandbox.createRole({
    guildId: guild.id,
    name: 'Moderator',
    permissions:
      PermissionFlagsBits.ManageMessages |
      PermissionFlagsBits.KickMembers |
      PermissionFlagsBits.ModerateMembers,
  });
  const members = {
    alice: sandbox.createMember({ guildId: guild.id, username: 'alice' }),
    bob: sandbox.createMember({ guildId: guild.id, username: 'bob' }),
    moderator: sandbox.createMember({ guildId: guild.id, username: 'morgan', roles: [moderatorRole.id] }),
  };
  const interactionsUrl = process.env.SANDBOX_INTERACTIONS_URL;
  if (interactionsUrl) sandbox.setInteractionsEndpoint(app.id, interactionsUrl);

  process.stdout.write(
    `${JSON.stringify({
      event: 'sandbox ready',
      url: sandbox.url,
      apiUrl: sandbox.apiUrl,
      gatewayUrl: sandbox.gatewayUrl,
      applicationId: app.id,
      botToken: app.token,
      publicKey: app.publicKey,
      clientSecret: app.clientSecret,
      guildId: guild.id,
      channels: { general: guild.generalChannelId, support: support.id },
      members: Object.fromEntries(Object.entries(members).map(([name, member]) => [name, member.user.id])),
    })}\n`,
  );

  const shutdown = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ event: 'sandbox failed', error: error instanceof Error ? error.message : String(error) })}\n`,
  );
  process.exit(1);
});
