/**
 * The dashboard in a real browser against the whole stack and the Discord sandbox: a new
 * tenant signs up, adds its server through Discord's authorization page, sets it up, watches
 * and takes over a conversation, moderates, fills its knowledge base, and reads every page
 * in six languages. Screenshots of the main pages land in test/ui/screenshots/.
 */
import { Stack } from '@steward/e2e';
import { waitFor } from '@steward/testing';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot } from '../src/browser.js';
import { buildDashboard } from '../src/build-dashboard.js';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const LANGUAGES = ['en', 'ru', 'de', 'fr', 'id', 'tr'] as const;
/** What the Setup page's heading starts with in each language (from the locale files). */
const SETUP_HEADINGS: Record<(typeof LANGUAGES)[number], string> = {
  en: 'Setup:',
  ru: 'Настройка:',
  de: 'Einrichtung:',
  fr: 'Configuration :',
  id: 'Pengaturan:',
  tr: 'Kurulum:',
};
const KNOWLEDGE = `# Password reset

To reset your password, open Settings, then Account, and press "Reset password". A reset link arrives by email within a minute.

# Refunds

Refunds are possible within 30 days of purchase from the Billing page.
`;

/** The stack's services in start order: gateway last, so every consumer is bound first. */
function stackServices(): string[] {
  const wanted = ['egress', 'metering', 'answer', 'router', 'moderation', 'takeover', 'admin-api', 'interactions', 'gateway'];
  return wanted.filter((name) => existsSync(path.join(repositoryRoot, 'services', name, 'src', 'main.ts')));
}

/** A port for admin-api known before it starts: the OAuth2 redirect URL must name it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('dashboard in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let adminUrl: string;
  let guildId: string;

  const api = <T>(pathname: string): Promise<{ status: number; body: T }> =>
    page.evaluate(async (url) => {
      const response = await fetch(url, { credentials: 'same-origin' });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }, `/api/v1${pathname}`);

  beforeAll(async () => {
    await buildDashboard();
    const port = await freePort();
    adminUrl = `http://127.0.0.1:${port}`;
    stack = await Stack.start({
      localTenant: false,
      services: stackServices(),
      extraEnv: { ADMIN_PORT: String(port), STEWARD_PUBLIC_URL: adminUrl },
    });
    browser = await launchChromium();
    ({ page, consoleErrors } = await openPage(browser, adminUrl));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Signs a new tenant up from the login page; lands on the servers page. */
  async function signUp(on: Page, name: string, email: string): Promise<void> {
    await on.goto('/');
    await on.waitForURL(/\/login/);
    await on.getByRole('link', { name: 'Create account' }).click();
    await on.getByLabel('Company or community name').fill(name);
    await on.getByLabel('Email').fill(email);
    await on.getByLabel('Password').fill('correct horse battery');
    await on.getByRole('button', { name: 'Create account' }).click();
    await on.getByRole('heading', { name: 'Your Discord servers' }).waitFor();
  }

  it('signs a new tenant up and opens the servers page', async () => {
    await signUp(page, 'Acme', 'owner@acme.test');
    expect((await api<{ tenant: { name: string } }>('/auth/me')).body.tenant.name).toBe('Acme');
    await screenshot(page, 'servers-empty');
  });

  it('uploads a knowledge file with a progress bar, then shows it indexed', async () => {
    await page.goto('/knowledge');
    await page.getByRole('heading', { name: 'Knowledge base', level: 1 }).waitFor();
    await page.locator('input[type=file]').setInputFiles({ name: 'faq.md', mimeType: 'text/markdown', buffer: Buffer.from(KNOWLEDGE) });
    const progress = page.getByRole('progressbar', { name: 'Upload of faq.md' });
    await progress.waitFor();
    await waitFor(async () => (await progress.getAttribute('aria-valuenow')) === '100', { timeoutMs: 10_000, message: 'the upload to finish' });
    const row = page.getByRole('row').filter({ hasText: 'faq' });
    await row.getByText('Indexed', { exact: true }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'knowledge');
  });

  it("adds the server through Discord's authorization page", async () => {
    await page.goto('/servers');
    await page.getByRole('button', { name: 'Add to Discord' }).click();
    await page.getByRole('link', { name: stack.guild.name }).click();
    await page.waitForURL(/\/servers\?connected=/);
    await page.getByText('Server connected').waitFor();
    const card = page.getByRole('article', { name: stack.guild.name });
    await card.waitFor();
    guildId = stack.guild.id;
    expect(page.url()).toContain(`connected=${guildId}`);
    // The gateway reports the server's shard as connected; the page refreshes on its own.
    await card.getByTestId('gateway-status').filter({ hasText: 'Gateway online' }).waitFor({ timeout: 30_000 });
    expect(await card.getByText('Permissions missing').count()).toBe(0);
    await screenshot(page, 'servers');
  });

  it('tells another account why the server was not added: cancelled on Discord, then connected elsewhere', async () => {
    const other = await openPage(browser, adminUrl);
    try {
      await signUp(other.page, 'Globex', 'owner@globex.test');
      await other.page.getByRole('button', { name: 'Add to Discord' }).click();
      await other.page.getByRole('link', { name: 'Cancel' }).click();
      await other.page.waitForURL(/\/servers\?error=access_denied/);
      await other.page.getByRole('alert').filter({ hasText: 'The authorization was cancelled on Discord.' }).waitFor();

      await other.page.getByRole('button', { name: 'Add to Discord' }).click();
      await other.page.getByRole('link', { name: stack.guild.name }).click();
      await other.page.waitForURL(/\/servers\?error=guild_taken/);
      await other.page.getByRole('alert').filter({ hasText: 'already connected to another Steward account' }).waitFor();
      await screenshot(other.page, 'servers-install-taken');
      await other.page.getByText('No server is connected yet.').waitFor();
      expect(other.consoleErrors.filter((text) => !text.includes('Failed to load resource'))).toEqual([]);
    } finally {
      await other.page.context().close();
    }
    // The server stays with the account that added it.
    expect((await api<{ guilds: Array<{ id: string }> }>('/guilds')).body.guilds.map((guild) => guild.id)).toEqual([guildId]);
  });

  it('sets the all-messages mode, with smart mode explained', async () => {
    await page.goto(`/servers/${guildId}/setup`);
    await page.getByRole('radio', { name: 'All messages' }).check();
    await page.getByText('Steward skips casual chat', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const settings = await api<{ responseMode: string; smartMode: boolean }>(`/guilds/${guildId}/settings`);
    expect(settings.body).toMatchObject({ responseMode: 'all', smartMode: true });
    await screenshot(page, 'setup');
  });

  it('shows which plan unlocks live monitoring, then the answer to a member live with their vote; an agent takes over and replies in Discord', async () => {
    await page.goto('/live');
    await page.getByText('Available on the Standard plan and above').waitFor();
    await screenshot(page, 'live-plan-required');

    // Upgrade once metering has the sign-up's Starter plan, so that sync cannot undo it.
    const planIs = (plan: string) => async () => (await api<{ plan: string | null }>('/plan')).body.plan === plan;
    await waitFor(planIs('starter'), { timeoutMs: 40_000, intervalMs: 500, message: 'metering to know the Starter plan' });
    const me = await api<{ tenant: { id: string } }>('/auth/me');
    await stack.subscribe(me.body.tenant.id, 'pro');
    await waitFor(planIs('pro'), { timeoutMs: 10_000, message: 'the Pro plan' });
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });

    const question = stack.say(stack.alice, 'How do I reset my password?');
    const answer = await stack.replyTo(question.id, 20_000);
    // Alice finds the answer helpful: 👍 under it.
    const [buttons] = (answer.components ?? []) as Array<{ components: Array<{ custom_id: string }> }>;
    await stack.discord.pressButton({
      applicationId: stack.app.id,
      guildId: stack.guild.id,
      channelId: stack.channelId,
      messageId: answer.id,
      userId: stack.alice.id,
      customId: buttons!.components[0]!.custom_id,
    });
    const conversationId = `${stack.guild.id}:${stack.channelId}:${stack.alice.id}`;
    const voted = async () =>
      (await api<{ turns?: Array<{ feedback?: { helpful: number } | null }> }>(`/conversations/${conversationId}`)).body.turns?.some(
        (turn) => turn.feedback?.helpful === 1,
      ) === true;
    await waitFor(voted, { timeoutMs: 15_000, intervalMs: 250, message: "alice's vote recorded" });
    const conversation = page.getByRole('list', { name: 'Conversations' }).getByRole('button').filter({ hasText: 'reset my password' });
    await conversation.click({ timeout: 20_000 });
    const transcript = page.getByRole('log', { name: 'Transcript' });
    await transcript.getByText('Steward', { exact: true }).waitFor({ timeout: 20_000 });
    await transcript.getByText("Members' votes: 👍 1 · 👎 0").waitFor();
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText('Agent in charge').first().waitFor();

    const reply = 'Hi alice, an agent here: I have sent you a reset link.';
    await page.getByLabel('Your reply').fill(reply);
    // The first send reaches the server, but its answer is lost on the way back: the dashboard
    // shows an error and keeps the draft, and the agent sends it again.
    let firstSend: { commandId: string } | undefined;
    await page.route('**/api/v1/conversations/*/messages', async (route) => {
      firstSend = await (await route.fetch()).json();
      await route.fulfill({ status: 502, contentType: 'application/json', body: '{"error":{"code":"upstream_failed","message":"lost"}}' });
    }, { times: 1 });
    const sent = () => page.waitForResponse((response) => response.url().endsWith('/messages') && response.request().method() === 'POST');
    const lost = sent();
    await page.getByRole('button', { name: 'Send reply' }).click();
    expect((await lost).status()).toBe(502);
    await waitFor(() => stack.botMessages().some((message) => message.content.includes(reply)), {
      timeoutMs: 15_000,
      message: "the agent's reply in the Discord channel",
    });
    const again = sent();
    await page.getByRole('button', { name: 'Send reply' }).click();
    // The same Discord command as the first send (egress performs a command once), not a new one.
    expect(((await (await again).json()) as { commandId: string }).commandId).toBe(firstSend!.commandId);
    await transcript.getByText(reply).waitFor();
    await waitFor(async () => (await page.getByLabel('Your reply').inputValue()) === '', { message: 'the draft cleared once sent' });
    expect(stack.botMessages().filter((message) => message.content.includes(reply))).toHaveLength(1);
    await screenshot(page, 'live');

    // Discord refuses the next reply (the bot lost Send Messages in the channel): the agent sees
    // it was not delivered, and why, without reloading.
    stack.discord.failNext({ method: 'POST', route: '/channels/:channelId/messages', status: 403, code: 50013, message: 'Missing Permissions' });
    await page.getByLabel('Your reply').fill('Did the link arrive?');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await transcript
      .getByRole('alert')
      .filter({ hasText: 'Not delivered to Discord: missing permission: the bot cannot send messages in this channel (Discord 50013)' })
      .waitFor({ timeout: 15_000 });
    expect(await transcript.getByText('Not delivered', { exact: false }).count()).toBe(1);
    expect(stack.botMessages().some((message) => message.content.includes('Did the link arrive?'))).toBe(false);
  });

  it('moderates by a rule once switched on, and lists the decision in the log', async () => {
    await page.goto(`/servers/${guildId}/moderation`);
    await page.getByRole('switch', { name: 'Moderate this server' }).check();
    await page.getByLabel("Your server's rules").fill('Never post "free nitro" offers.');
    await page.getByText('Start with deleting only').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    await screenshot(page, 'moderation');

    const violation = 'Claim your FREE NITRO here today';
    stack.say(stack.bob, violation);
    await page.goto(`/servers/${guildId}/moderation/log`);
    const table = page.getByRole('table', { name: 'Moderation log' });
    await table.getByText(violation).waitFor({ timeout: 30_000 });
    await expect(table.getByRole('row').filter({ hasText: violation }).first().innerText()).resolves.toContain('Delete the message');
    await screenshot(page, 'moderation-log');
  });

  it('names the permission the bot lost and how to give it back', async () => {
    const botRoleId = stack.guild.botRoleIds[stack.app.botUserId]!;
    const role = stack.discord.guild(guildId).roles.find((candidate) => candidate.id === botRoleId)!;
    const manageMessages = 1n << 13n;
    stack.discord.setRolePermissions({ guildId, roleId: botRoleId, permissions: BigInt(role.permissions) & ~manageMessages });
    try {
      await page.goto('/servers');
      const card = page.getByRole('article', { name: stack.guild.name });
      // Moderation deletes messages here, which needs Manage Messages.
      const missing = card.getByRole('list', { name: 'The bot lacks these permissions' });
      // The page refreshes the servers' status on its own.
      await missing.waitFor({ timeout: 30_000 });
      expect(await missing.getByRole('listitem').allInnerTexts()).toEqual(['Manage Messages']);
      await card.getByText('Server Settings → Roles → Steward').waitFor();
      await screenshot(page, 'servers-permissions-missing');
    } finally {
      stack.discord.setRolePermissions({ guildId, roleId: botRoleId, permissions: role.permissions });
    }
  });

  it.each(LANGUAGES)('renders the Setup page in %s with every string translated', async (language) => {
    await page.goto(`/servers/${guildId}/setup?lng=${language}&i18n-check`);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: SETUP_HEADINGS[language] }).waitFor();
    await page.getByRole('radio').first().waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe(language);
    // Collected by the dashboard's ?i18n-check mode (services/admin-ui/src/i18n).
    expect(await page.evaluate('window.stewardMissingTranslations')).toEqual([]);
    await screenshot(page, `setup-${language}`);
  });

  it('keeps proactive posts out of quiet hours set in the server\'s time zone', async () => {
    await page.goto(`/servers/${guildId}/proactive?lng=en`);
    await page.getByRole('heading', { name: 'Proactive messages', level: 1 }).waitFor();
    await page.getByRole('switch', { name: 'Quiet hours' }).check();
    await page.getByLabel('From').fill('23:30');
    await page.getByLabel('Until').fill('07:15');
    await page.getByRole('textbox', { name: 'Time zone' }).fill('Europe/Ber');
    await page.getByRole('option', { name: 'Europe/Berlin' }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const settings = await api<{ proactive: unknown }>(`/guilds/${guildId}/settings`);
    expect(settings.body.proactive).toMatchObject({
      quietHours: { start: '23:30', end: '07:15' },
      timeZone: 'Europe/Berlin',
    });
    await screenshot(page, 'proactive-quiet-hours');
  });

  it('shows the billing period by calendar day, in a browser west of UTC too', async () => {
    const west = await browser.newContext({
      baseURL: adminUrl,
      locale: 'en-US',
      timezoneId: 'America/Los_Angeles',
      storageState: await page.context().storageState(),
    });
    try {
      const usagePage = await west.newPage();
      await usagePage.goto('/usage?lng=en');
      await usagePage.getByRole('heading', { name: 'Usage and plan', level: 1 }).waitFor();
      const { period } = (await api<{ period: { start: string; end: string } }>('/usage')).body;
      const lastDay = new Date(`${period.end}T00:00:00Z`);
      lastDay.setUTCDate(lastDay.getUTCDate() - 1);
      const asDay = (date: Date) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
      await usagePage.getByText(`Period: ${asDay(new Date(`${period.start}T00:00:00Z`))} – ${asDay(lastDay)}`).waitFor();
    } finally {
      await west.close();
    }
  });

  it('opens every other page without an error', async () => {
    await page.goto('/servers?lng=en');
    const pages = [
      ['/usage', 'Usage and plan', 'usage'],
      [`/servers/${guildId}/proactive`, 'Proactive messages', 'proactive'],
      ['/bot', 'Custom bot', 'bot'],
      ['/api-keys', 'API keys', 'api-keys'],
      ['/team', 'Team', 'team'],
    ] as const;
    for (const [route, heading, name] of pages) {
      await page.goto(route);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByText('Something went wrong').count()).toBe(0);
      await screenshot(page, name);
    }
    expect(consoleErrors.filter((text) => !text.includes('Failed to load resource'))).toEqual([]);
  });
});
