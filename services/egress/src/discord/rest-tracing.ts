import { DefaultRestOptions, type RESTOptions } from '@discordjs/rest';
import { withSpan, SpanKind } from '@steward/telemetry';

type MakeRequest = RESTOptions['makeRequest'];

/**
 * The route of a Discord API URL with its ids and secrets replaced by placeholders, e.g.
 * `https://discord.com/api/v10/channels/123/messages` → `/channels/{id}/messages`. Interaction
 * and webhook tokens travel in the path and must never reach a trace.
 */
export function discordRouteTemplate(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return '/{unparsable}';
  }
  const segments = path.split('/').filter(Boolean);
  const version = segments.findIndex((segment) => /^v\d+$/.test(segment));
  const route = version === -1 ? segments : segments.slice(version + 1);
  return `/${route
    .map((segment, index) => {
      const previous = route[index - 1];
      if (/^\d{5,}$/.test(segment)) return '{id}';
      if (index >= 2 && (route[index - 2] === 'webhooks' || route[index - 2] === 'interactions'))
        return '{token}';
      if (previous === 'reactions' && segment !== '@me') return '{emoji}';
      return segment;
    })
    .join('/')}`;
}

/**
 * Wraps @discordjs/rest's HTTP call in a client span `discord.rest <METHOD> <route>`, so a
 * trace shows each request Discord answered (retries and rate-limit repeats each get one).
 */
export function tracedMakeRequest(makeRequest: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  return (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const route = discordRouteTemplate(url);
    return withSpan(
      `discord.rest ${method} ${route}`,
      async (span) => {
        const response = await makeRequest(url, init);
        span.setAttribute('http.response.status_code', response.status);
        return response;
      },
      {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': method, 'url.template': route, 'server.address': hostOf(url) },
      },
    );
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
