import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponse, Router } from './http-router.js';
import { toPermissionBits } from './model.js';
import { basePermissions, DEFAULT_BOT_PERMISSIONS, has, Permission } from './permissions.js';
import type { RestContext } from './rest-api.js';
import { apiGuild } from './shapes.js';

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const ACCESS_TOKEN_LIFETIME_S = 7 * 24 * 60 * 60;

interface AuthorizationCode {
  applicationId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  guildId: string | null;
  expiresAt: number;
}

const oauthError = (status: number, error: string, description: string): HttpResponse => ({
  status,
  body: { error, error_description: description },
});

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );

function page(title: string, body: string, status = 200): HttpResponse {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#222}a.guild{display:block;padding:.6rem .8rem;margin:.4rem 0;border:1px solid #ccd;border-radius:6px;text-decoration:none;color:#223}a.guild:hover{background:#eef}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

/**
 * OAuth2 for the "Add to Discord" flow: a consent page listing guilds, authorization codes, and the code
 * exchange. As on Discord, the bot joins the guild when the user authorizes; the token response names the guild.
 */
export function registerOAuthRoutes(router: Router<RestContext>): void {
  const codes = new Map<string, AuthorizationCode>();

  router.add('GET', '/oauth2/authorize', (request, context) => {
    const query = request.query;
    const application = context.state.applications.get(query.get('client_id') ?? '');
    if (!application)
      return page(
        'Unknown application',
        '<p>The <code>client_id</code> is not a known application.</p>',
        400,
      );
    const scopes = (query.get('scope') ?? 'bot').split(/[\s+]+/).filter(Boolean);
    const redirectUri = query.get('redirect_uri');
    if (redirectUri !== null && !/^https?:\/\//.test(redirectUri)) {
      return page(
        'Invalid redirect_uri',
        '<p>The <code>redirect_uri</code> must be an http(s) URL.</p>',
        400,
      );
    }
    const state = query.get('state');
    const guildId = query.get('guild_id');
    const approve = query.get('approve');
    let permissions: bigint;
    try {
      permissions = toPermissionBits(query.get('permissions') ?? undefined, DEFAULT_BOT_PERMISSIONS);
    } catch {
      return page('Invalid permissions', '<p><code>permissions</code> must be a decimal bitfield.</p>', 400);
    }

    if (approve === '0' && redirectUri) {
      const denied = new URL(redirectUri);
      denied.searchParams.set('error', 'access_denied');
      denied.searchParams.set(
        'error_description',
        'The resource owner or authorization server denied the request',
      );
      if (state !== null) denied.searchParams.set('state', state);
      return { status: 302, headers: { Location: denied.toString() }, body: null };
    }

    const needsGuild = scopes.includes('bot') || scopes.includes('applications.commands');
    if (approve !== '1' || (needsGuild && !guildId)) {
      // The consent page: pick a guild; each link approves for that guild.
      const links = [...context.state.guilds.values()]
        .map((guild) => {
          const approveUrl = new URLSearchParams(query);
          approveUrl.set('guild_id', guild.id);
          approveUrl.set('approve', '1');
          return `<a class="guild" href="?${escapeHtml(approveUrl.toString())}">${escapeHtml(guild.name)}</a>`;
        })
        .join('');
      // Like Discord's Cancel button: back to the redirect URI with error=access_denied.
      const cancel = redirectUri
        ? `<p><a class="cancel" href="?${escapeHtml(new URLSearchParams([...query, ['approve', '0']]).toString())}">Cancel</a></p>`
        : '';
      return page(
        `Add ${application.name}`,
        `<p><strong>${escapeHtml(application.name)}</strong> asks for: ${scopes.map(escapeHtml).join(', ')}.</p>` +
          (needsGuild
            ? `<p>Add to server:</p>${links || '<p>No servers yet.</p>'}`
            : `<p><a class="guild" href="?${escapeHtml(new URLSearchParams([...query, ['approve', '1']]).toString())}">Authorize</a></p>`) +
          cancel,
      );
    }

    const guild = guildId ? context.state.guilds.get(guildId) : undefined;
    if (guildId && !guild)
      return page('Unknown server', '<p>The <code>guild_id</code> is not a known server.</p>', 400);
    const userId = query.get('user_id') ?? guild?.ownerId;
    const user = userId ? context.state.users.get(userId) : undefined;
    if (!user) return page('Unknown user', '<p>Pass <code>user_id</code> to say who authorizes.</p>', 400);
    if (guild && scopes.includes('bot')) {
      const member = guild.members.get(user.id);
      if (!member || !has(basePermissions(guild, member), Permission.ManageGuild)) {
        return page(
          'Not allowed',
          '<p>You need the Manage Server permission to add a bot to this server.</p>',
          403,
        );
      }
      if (!guild.members.has(application.botUserId)) {
        context.state.addBot(guild, application.id, permissions);
        context.actions.botJoined(guild, application.id);
      }
    }
    if (!redirectUri)
      return page('Authorized', `<p>${escapeHtml(application.name)} has been authorized.</p>`);
    const code = randomBytes(15).toString('base64url');
    codes.set(code, {
      applicationId: application.id,
      userId: user.id,
      scopes,
      redirectUri,
      guildId: scopes.includes('bot') ? (guild?.id ?? null) : null,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (state !== null) target.searchParams.set('state', state);
    if (guild) {
      target.searchParams.set('guild_id', guild.id);
      if (scopes.includes('bot')) target.searchParams.set('permissions', permissions.toString());
    }
    return { status: 302, headers: { Location: target.toString() }, body: null };
  });

  router.add('POST', '/oauth2/token', (request, context) => {
    const form = new URLSearchParams(request.rawBody);
    const [basicId, basicSecret] = basicCredentials(request);
    const clientId = basicId ?? form.get('client_id');
    const clientSecret = basicSecret ?? form.get('client_secret');
    const application = clientId ? context.state.applications.get(clientId) : undefined;
    if (!application || application.clientSecret !== clientSecret) {
      return oauthError(401, 'invalid_client', 'Invalid client credentials.');
    }
    if (form.get('grant_type') !== 'authorization_code') {
      return oauthError(400, 'unsupported_grant_type', 'Only the authorization_code grant is supported.');
    }
    const codeValue = form.get('code') ?? '';
    const code = codes.get(codeValue);
    if (!code || code.applicationId !== application.id || code.expiresAt < Date.now()) {
      return oauthError(400, 'invalid_grant', 'Invalid "code" in request.');
    }
    if (form.get('redirect_uri') !== code.redirectUri) {
      return oauthError(400, 'invalid_grant', 'Invalid "redirect_uri" in request.');
    }
    codes.delete(codeValue);
    const accessToken = randomBytes(20).toString('base64url');
    context.bearerTokens.set(accessToken, {
      userId: code.userId,
      scopes: code.scopes,
      expiresAt: Date.now() + ACCESS_TOKEN_LIFETIME_S * 1000,
    });
    const guild = code.guildId ? context.state.guilds.get(code.guildId) : undefined;
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_LIFETIME_S,
        refresh_token: randomBytes(20).toString('base64url'),
        scope: code.scopes.join(' '),
        ...(guild ? { guild: apiGuild(guild) } : {}),
      },
    };
  });
}

function basicCredentials(request: HttpRequest): [string | undefined, string | undefined] {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return [undefined, undefined];
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return [undefined, undefined];
  return [decodeURIComponent(decoded.slice(0, separator)), decodeURIComponent(decoded.slice(separator + 1))];
}
