import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequest {
  method: string;
  /** Path after the prefix the router serves, with each segment URL-decoded (`/users/%40me` → `/users/@me`). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  params: Record<string, string>;
  /** The matched route template, e.g. `/channels/:channelId/messages`. */
  template: string;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as-is (HTML pages); otherwise `body` is sent as JSON. */
  html?: string;
}

export type RouteHandler<Context> = (
  request: HttpRequest,
  context: Context,
) => HttpResponse | Promise<HttpResponse>;

interface Route<Context> {
  method: string;
  template: string;
  segments: string[];
  handler: RouteHandler<Context>;
}

/** A minimal method + path-template router: literal segments and `:name` parameters. */
export class Router<Context> {
  private readonly routes: Array<Route<Context>> = [];

  add(method: string, template: string, handler: RouteHandler<Context>): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler });
    return this;
  }

  /** The route for a path, or `methodNotAllowed` when the path exists for other methods only. */
  match(
    method: string,
    path: string,
  ): { route: Route<Context>; params: Record<string, string> } | 'methodNotAllowed' | undefined {
    const segments = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    return pathMatched ? 'methodNotAllowed' : undefined;
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < template.length; index++) {
    const expected = template[index]!;
    const value = actual[index]!;
    if (expected.startsWith(':')) params[expected.slice(1)] = value;
    else if (expected !== value) return undefined;
  }
  return params;
}

export function decodePath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}
