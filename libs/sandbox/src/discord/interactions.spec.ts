import { createPublicKey, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { API } from '@discordjs/core';
import { DiscordAPIError, REST } from '@discordjs/rest';
import {
  ButtonStyle,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessage,
} from 'discord-api-types/v10';
import { createBot, type BotHarness } from './bot-harness.js';
import { SandboxInputError } from './errors.js';
import {
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from './sandbox.js';

/** An Ed25519 public key from the hex Discord shows, as an interactions endpoint builds it. */
function publicKeyFromHex(hex: string) {
  return createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

describe('Discord sandbox interactions and OAuth2', () => {
  let sandbox: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let alice: string;
  let rest: REST;
  let endpoint: Server | undefined;
  const bots: BotHarness[] = [];

  beforeEach(async () => {
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 1_000 });
    app = sandbox.createApplication({ name: 'Steward' });
    guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    alice = sandbox.createMember({ guildId: guild.id, username: 'alice' }).user.id;
    rest = new REST({ api: sandbox.apiUrl, retries: 1, timeout: 5_000 }).setToken(app.token);
  });

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((harness) => harness.destroy()));
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    if (endpoint) await new Promise((resolve) => endpoint!.close(resolve));
    endpoint = undefined;
    await sandbox.close();
  });

  /** A minimal interactions endpoint that verifies signatures the way Discord requires and defers the rest. */
  async function startEndpoint(
    received: Array<{ valid: boolean; body: Record<string, unknown> }>,
    answer: (interaction: Record<string, unknown>) => APIInteractionResponse = () => ({
      type: InteractionResponseType.DeferredChannelMessageWithSource,
    }),
  ): Promise<string> {
    const key = publicKeyFromHex(app.publicKey);
    endpoint = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signature = String(request.headers['x-signature-ed25519'] ?? '');
        const timestamp = String(request.headers['x-signature-timestamp'] ?? '');
        const valid = verify(null, Buffer.from(timestamp + raw), key, Buffer.from(signature, 'hex'));
        const body = JSON.parse(raw);
        received.push({ valid, body });
        if (!valid) {
          response.writeHead(401).end('invalid request signature');
          return;
        }
        const reply =
          body.type === InteractionType.Ping ? { type: InteractionResponseType.Pong } : answer(body);
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => endpoint!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/discord/webhook/`;
  }

  it('POSTs a signed interaction that verifies against the public key, and the deferred reply can be edited', async () => {
    const received: Array<{ valid: boolean; body: Record<string, unknown> }> = [];
    sandbox.setInteractionsEndpoint(app.id, await startEndpoint(received));
    expect(await sandbox.pingInteractionsEndpoint(app.id)).toMatchObject({ status: 200, body: { type: 1 } });

    const delivery = await sandbox.sendInteraction({
      applicationId: app.id,
      guildId: guild.id,
      channelId: guild.generalChannelId,
      userId: alice,
      commandName: 'ask',
      options: { question: 'How do refunds work?' },
    });

    expect(delivery).toMatchObject({ via: 'http', status: 200, body: { type: 5 } });
    expect(received.every((request) => request.valid)).toBe(true);
    const interaction = received[1]!.body;
    expect(interaction).toMatchObject({
      type: InteractionType.ApplicationCommand,
      application_id: app.id,
      guild_id: guild.id,
      channel_id: guild.generalChannelId,
      token: delivery.token,
      member: { user: { id: alice } },
      data: { name: 'ask', options: [{ name: 'question', type: 3, value: 'How do refunds work?' }] },
    });
    const thinking = sandbox.messages(guild.generalChannelId)[0]!;
    expect(thinking.flags! & MessageFlags.Loading).toBe(MessageFlags.Loading);

    await new API(rest).interactions.editReply(app.id, delivery.token, { content: 'Refunds take 5 days.' });

    const [answer] = sandbox.messages(guild.generalChannelId);
    expect(answer).toMatchObject({
      content: 'Refunds take 5 days.',
      flags: 0,
      interaction_metadata: { user: { id: alice } },
    });
  });

  it("signs with each application's own key, so an endpoint checking Steward's key refuses another's delivery", async () => {
    const received: Array<{ valid: boolean; body: Record<string, unknown> }> = [];
    await startEndpoint(received);
    const other = sandbox.createApplication({ name: 'Impostor' });
    sandbox.setInteractionsEndpoint(
      other.id,
      `http://127.0.0.1:${(endpoint!.address() as AddressInfo).port}/`,
    );
    sandbox.createGuild({ name: 'Other', applicationIds: [other.id] });
    // Signed by another application's key: the endpoint (checking Steward's key) must refuse it.
    const ping = await sandbox.pingInteractionsEndpoint(other.id);
    expect(ping.status).toBe(401);
    expect(received[0]!.valid).toBe(false);
  });

  it('dispatches INTERACTION_CREATE over the gateway when there is no endpoint, and accepts one callback', async () => {
    const harness = createBot(sandbox, app.token, { intents: GatewayIntentBits.Guilds });
    bots.push(harness);
    const outcomes: unknown[] = [];
    harness.client.on(GatewayDispatchEvents.InteractionCreate, async ({ data, api }) => {
      await api.interactions.reply(data.id, data.token, { content: 'Hello from /ask' });
      outcomes.push(
        await api.interactions
          .reply(data.id, data.token, { content: 'again' })
          .catch((error: unknown) => error),
      );
    });
    await harness.gateway.connect();

    const delivery = await sandbox.sendInteraction({
      applicationId: app.id,
      guildId: guild.id,
      channelId: guild.generalChannelId,
      userId: alice,
      commandName: 'ask',
    });

    expect(delivery.via).toBe('gateway');
    await sandbox.waitFor(() => outcomes.length === 1);
    expect(sandbox.messages(guild.generalChannelId).map((message) => message.content)).toEqual([
      'Hello from /ask',
    ]);
    expect(outcomes[0]).toBeInstanceOf(DiscordAPIError);
    expect((outcomes[0] as DiscordAPIError).code).toBe(40060);
  });

  /** The bot posts a message with two buttons and a link, as Steward asks for feedback on an answer. */
  function postFeedbackButtons(): Promise<APIMessage> {
    return new API(rest).channels.createMessage(guild.generalChannelId, {
      content: 'Refunds take 5 days. Did this help?',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.Button,
              style: ButtonStyle.Success,
              label: 'Yes',
              custom_id: 'feedback:up',
            },
            {
              type: ComponentType.Button,
              style: ButtonStyle.Danger,
              label: 'No',
              custom_id: 'feedback:down',
            },
            {
              type: ComponentType.Button,
              style: ButtonStyle.Link,
              label: 'Docs',
              url: 'https://example.com',
            },
          ],
        },
      ],
    });
  }

  /** Alice presses a button in #general. */
  function press(messageId: string, customId: string) {
    return sandbox.pressButton({
      applicationId: app.id,
      guildId: guild.id,
      channelId: guild.generalChannelId,
      messageId,
      userId: alice,
      customId,
    });
  }

  it('POSTs a signed button press shaped as Discord shapes it, and an update response edits the message', async () => {
    const received: Array<{ valid: boolean; body: Record<string, unknown> }> = [];
    sandbox.setInteractionsEndpoint(
      app.id,
      await startEndpoint(received, () => ({
        type: InteractionResponseType.UpdateMessage,
        data: { content: 'Thanks for the feedback!', components: [] },
      })),
    );
    const posted = await postFeedbackButtons();
    const asRestShowsIt = await new API(rest).channels.getMessage(guild.generalChannelId, posted.id);

    const delivery = await press(posted.id, 'feedback:up');

    expect(delivery).toMatchObject({ via: 'http', status: 200, body: { type: 7 } });
    expect(delivery.error).toBeUndefined();
    expect(received).toHaveLength(1);
    expect(received[0]!.valid).toBe(true);
    const interaction = received[0]!.body;
    expect(interaction).toMatchObject({
      id: delivery.interactionId,
      type: InteractionType.MessageComponent,
      application_id: app.id,
      token: delivery.token,
      data: { custom_id: 'feedback:up', component_type: ComponentType.Button },
      message: asRestShowsIt,
      member: { user: { id: alice } },
      guild_id: guild.id,
      channel_id: guild.generalChannelId,
      channel: { id: guild.generalChannelId },
      locale: 'en-US',
      guild_locale: 'en-US',
    });
    expect(interaction.app_permissions).toMatch(/^\d+$/);
    expect(sandbox.messages(guild.generalChannelId)).toEqual([
      expect.objectContaining({ id: posted.id, content: 'Thanks for the feedback!', components: [] }),
    ]);
  });

  it('dispatches a button press over the gateway and records an ephemeral reply to the pressed message', async () => {
    const harness = createBot(sandbox, app.token, { intents: GatewayIntentBits.Guilds });
    bots.push(harness);
    const pressed: Array<{ interaction: APIInteraction; response: unknown }> = [];
    harness.client.on(GatewayDispatchEvents.InteractionCreate, async ({ data, api }) => {
      const response = await api.interactions.reply(data.id, data.token, {
        content: 'Thanks, noted.',
        flags: MessageFlags.Ephemeral,
        with_response: true,
      });
      pressed.push({ interaction: data, response });
    });
    await harness.gateway.connect();
    const posted = await postFeedbackButtons();

    const delivery = await press(posted.id, 'feedback:down');

    expect(delivery.via).toBe('gateway');
    await sandbox.waitFor(() => pressed.length === 1);
    expect(pressed[0]!.interaction).toMatchObject({
      id: delivery.interactionId,
      type: InteractionType.MessageComponent,
      data: { custom_id: 'feedback:down', component_type: ComponentType.Button },
      message: { id: posted.id },
    });
    const [, reply] = sandbox.messages(guild.generalChannelId);
    expect(pressed[0]!.response).toMatchObject({
      interaction: {
        type: InteractionType.MessageComponent,
        response_message_id: reply!.id,
        response_message_ephemeral: true,
      },
      resource: { type: InteractionResponseType.ChannelMessageWithSource },
    });
    expect(reply).toMatchObject({
      content: 'Thanks, noted.',
      flags: MessageFlags.Ephemeral,
      type: MessageType.Reply,
      message_reference: { message_id: posted.id },
      interaction_metadata: {
        type: InteractionType.MessageComponent,
        user: { id: alice },
        interacted_message_id: posted.id,
      },
    });
  });

  it('lets a deferred update (type 6) edit the pressed message as the original response', async () => {
    const harness = createBot(sandbox, app.token, { intents: GatewayIntentBits.Guilds });
    bots.push(harness);
    let edited = false;
    harness.client.on(GatewayDispatchEvents.InteractionCreate, async ({ data, api }) => {
      await api.interactions.deferMessageUpdate(data.id, data.token);
      await api.interactions.editReply(app.id, data.token, { content: 'Recorded.', components: [] });
      edited = true;
    });
    await harness.gateway.connect();
    const posted = await postFeedbackButtons();

    await press(posted.id, 'feedback:up');

    await sandbox.waitFor(() => edited);
    expect(sandbox.messages(guild.generalChannelId)).toEqual([
      expect.objectContaining({ id: posted.id, content: 'Recorded.', components: [] }),
    ]);
  });

  it('refuses a press on an unknown message, a message not from the bot, or a button the message does not carry', async () => {
    const posted = await postFeedbackButtons();
    const fromAlice = sandbox.postMessage({
      channelId: guild.generalChannelId,
      authorId: alice,
      content: 'no buttons here',
    });

    await expect(press('1234567890', 'feedback:up')).rejects.toThrow(SandboxInputError);
    await expect(press(fromAlice.id, 'feedback:up')).rejects.toThrow(/not sent by application/);
    await expect(press(posted.id, 'feedback:maybe')).rejects.toThrow(
      /no button with custom_id feedback:maybe/,
    );
    // A link button has a url, not a custom_id: pressing it never reaches the bot.
    await expect(press(posted.id, 'https://example.com')).rejects.toThrow(SandboxInputError);

    const overHttp = await fetch(`${sandbox.url}/_sandbox/button-presses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        applicationId: app.id,
        guildId: guild.id,
        channelId: guild.generalChannelId,
        messageId: posted.id,
        userId: alice,
        customId: 'feedback:maybe',
      }),
    });
    expect(overHttp.status).toBe(400);
    expect(((await overHttp.json()) as { error: string }).error).toMatch(/no button/);
  });

  it('installs the bot through OAuth2: consent redirect with a code, then the code exchange names the guild', async () => {
    const other = sandbox.createGuild({ name: 'New Community' });
    const redirectUri = 'http://127.0.0.1:9/callback';
    const authorize = new URL(`${sandbox.url}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      client_id: app.id,
      scope: 'bot applications.commands',
      permissions: '8',
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'tenant-42',
    }).toString();

    const consent = await (await fetch(authorize)).text();
    expect(consent).toContain('New Community');
    // Cancel on the consent page goes back to the redirect URI with access_denied and the state.
    const cancel = consent.match(/<a class="cancel" href="\?([^"]+)"/)![1]!.replaceAll('&amp;', '&');
    const cancelled = await fetch(`${sandbox.url}/oauth2/authorize?${cancel}`, { redirect: 'manual' });
    expect(cancelled.status).toBe(302);
    const back = new URL(cancelled.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', state: 'tenant-42' });
    authorize.searchParams.set('guild_id', other.id);
    authorize.searchParams.set('approve', '1');
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('tenant-42');
    expect(location.searchParams.get('guild_id')).toBe(other.id);

    const exchange = (code: string) =>
      fetch(`${sandbox.apiUrl}/v10/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: app.id,
          client_secret: app.clientSecret,
        }),
      });
    const token = await exchange(location.searchParams.get('code')!);
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({
      token_type: 'Bearer',
      scope: 'bot applications.commands',
      guild: { id: other.id, name: 'New Community' },
    });
    expect(sandbox.guild(other.id).members.map((member) => member.user.id)).toContain(app.botUserId);
    const reused = await exchange(location.searchParams.get('code')!);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('exposes the control surface over HTTP for out-of-process users', async () => {
    const posted = await fetch(`${sandbox.url}/_sandbox/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        guildId: guild.id,
        channelId: guild.generalChannelId,
        authorId: alice,
        content: 'hi from outside',
      }),
    });
    expect(posted.status).toBe(201);
    const listed = await fetch(`${sandbox.url}/_sandbox/channels/${guild.generalChannelId}/messages`);
    expect(
      ((await listed.json()) as Array<{ content: string }>).map(
        (message: { content: string }) => message.content,
      ),
    ).toEqual(['hi from outside']);
    const bad = await fetch(`${sandbox.url}/_sandbox/messages`, {
      method: 'POST',
      body: JSON.stringify({ channelId: guild.generalChannelId, authorId: '1', content: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not a member/);
  });
});
