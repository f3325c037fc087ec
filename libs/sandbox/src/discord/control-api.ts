import type { HttpRequest, HttpResponse, Router } from './http-router.js';
import type { DiscordSandbox } from './sandbox.js';
import { SandboxInputError } from './errors.js';

// The sandbox's control surface over HTTP (`/_sandbox/...`), for out-of-process users and the web page.
// Each route is a thin JSON wrapper around the DiscordSandbox method of the same name.

function body<T>(request: HttpRequest): T {
  if (request.rawBody === '') return {} as T;
  const parsed = JSON.parse(request.rawBody);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SandboxInputError('the request body must be a JSON object');
  }
  return parsed as T;
}

const ok = (value: unknown, status = 200): HttpResponse => ({ status, body: value ?? { ok: true } });

export function registerControlRoutes(router: Router<DiscordSandbox>): void {
  router
    .add('GET', '/state', (_request, sandbox) =>
      ok({
        url: sandbox.url,
        apiUrl: sandbox.apiUrl,
        gatewayUrl: sandbox.gatewayUrl,
        applications: [...sandbox.state.applications.values()].map((application) => ({
          id: application.id,
          name: application.name,
          botUserId: application.botUserId,
          publicKey: application.publicKey,
          interactionsEndpointUrl: application.interactionsEndpointUrl,
          commands: [...application.commands.values()],
        })),
        guilds: sandbox.guilds(),
      }),
    )
    .add('POST', '/applications', (request, sandbox) => {
      const { privateKey: _privateKey, ...credentials } = sandbox.createApplication(body(request));
      return ok(credentials, 201);
    })
    .add('PUT', '/applications/:applicationId/interactions-endpoint', (request, sandbox) => {
      const { url } = body<{ url?: string | null }>(request);
      sandbox.setInteractionsEndpoint(request.params.applicationId!, url ?? null);
      return ok(null);
    })
    .add('POST', '/applications/:applicationId/ping', async (request, sandbox) =>
      ok(await sandbox.pingInteractionsEndpoint(request.params.applicationId!)),
    )
    .add('GET', '/applications/:applicationId/counters', (request, sandbox) =>
      ok(sandbox.counters(request.params.applicationId!)),
    )
    .add('GET', '/sessions', (request, sandbox) =>
      ok(sandbox.sessions(request.query.get('applicationId') ?? undefined)),
    )
    .add('POST', '/guilds', (request, sandbox) => ok(sandbox.createGuild(body(request)), 201))
    .add('GET', '/guilds', (_request, sandbox) => ok(sandbox.guilds()))
    .add('GET', '/guilds/:guildId', (request, sandbox) => ok(sandbox.guild(request.params.guildId!)))
    .add('POST', '/channels', (request, sandbox) => ok(sandbox.createChannel(body(request)), 201))
    .add('POST', '/roles', (request, sandbox) => ok(sandbox.createRole(body(request)), 201))
    .add('PUT', '/roles/permissions', (request, sandbox) => ok(sandbox.setRolePermissions(body(request))))
    .add('POST', '/members', (request, sandbox) => ok(sandbox.createMember(body(request)), 201))
    .add('PUT', '/members/roles', (request, sandbox) => ok(sandbox.setMemberRoles(body(request))))
    .add('GET', '/channels/:channelId/messages', (request, sandbox) =>
      ok(sandbox.messages(request.params.channelId!)),
    )
    .add('POST', '/messages', (request, sandbox) => ok(sandbox.postMessage(body(request)), 201))
    .add('PATCH', '/messages/:messageId', (request, sandbox) =>
      ok(
        sandbox.editMessage({
          messageId: request.params.messageId!,
          content: body<{ content: string }>(request).content,
        }),
      ),
    )
    .add('DELETE', '/messages/:messageId', (request, sandbox) => {
      sandbox.deleteMessage({ messageId: request.params.messageId! });
      return ok(null);
    })
    .add('POST', '/interactions', async (request, sandbox) =>
      ok(await sandbox.sendInteraction(body(request))),
    )
    .add('POST', '/button-presses', async (request, sandbox) => ok(await sandbox.pressButton(body(request))))
    .add('GET', '/rest-log', (request, sandbox) => {
      const since = Number(request.query.get('since') ?? 0);
      return ok(sandbox.restLog.filter((entry) => entry.at >= since));
    })
    .add('POST', '/faults/rate-limit', (request, sandbox) => ok(sandbox.rateLimitNext(body(request))))
    .add('POST', '/faults/fail', (request, sandbox) => ok(sandbox.failNext(body(request))))
    .add('POST', '/gateway/drop', (request, sandbox) =>
      ok({ affected: sandbox.dropConnections(body(request)) }),
    )
    .add('POST', '/gateway/reconnect', (request, sandbox) =>
      ok({ affected: sandbox.sendReconnect(body(request)) }),
    )
    .add('POST', '/gateway/invalidate', (request, sandbox) =>
      ok({ affected: sandbox.invalidateSessions(body(request)) }),
    )
    .add('POST', '/gateway/stop-heartbeat-acks', (request, sandbox) =>
      ok({ affected: sandbox.stopHeartbeatAcks(body(request)) }),
    );
}
