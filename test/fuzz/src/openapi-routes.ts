/** The admin API's routes as its OpenAPI document lists them, with generators for their inputs. */
import fc from 'fast-check';
import { discordSnowflake, hostileString, jsonBody } from './arbitraries.js';

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
}
interface OpenApiSchema {
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  $ref?: string;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
  security?: unknown[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

export interface Route {
  method: string;
  /** Path template as documented, e.g. `/api/v1/guilds/{guildId}/settings`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Property names of the JSON body, when the document describes an object. */
  bodyProperties: string[] | undefined;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const bodySchema = resolve(document, operation.requestBody?.content?.['application/json']?.schema);
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodyProperties: operation.requestBody ? Object.keys(bodySchema?.properties ?? {}) : undefined,
      });
    }
  }
  return routes;
}

function resolve(document: OpenApiDocument, schema: OpenApiSchema | undefined): OpenApiSchema | undefined {
  if (!schema?.$ref) return schema;
  return document.components?.schemas?.[schema.$ref.split('/').pop()!];
}

export interface RouteRequest {
  route: Route;
  url: string;
  body: string | undefined;
  contentType: string | undefined;
}

/** A request to one route: hostile path and query values, and a body shaped like the route's or not at all. */
export function routeRequest(routes: Route[], baseUrl: string): fc.Arbitrary<RouteRequest> {
  const value = fc.oneof(hostileString(), discordSnowflake(), fc.uuid());
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        params: fc.array(value, { minLength: route.pathParams.length, maxLength: route.pathParams.length }),
        query: fc.dictionary(fc.constantFrom(...route.queryParams, 'limit', 'cursor', 'x'), fc.oneof(value, fc.integer().map(String)), { maxKeys: 3 }),
        body: route.bodyProperties?.length
          ? fc.oneof(fc.dictionary(fc.constantFrom(...route.bodyProperties), jsonBody(), { maxKeys: route.bodyProperties.length }), jsonBody())
          : jsonBody(),
        sendBody: fc.boolean(),
        contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', undefined),
        rawGarbage: fc.option(fc.string({ maxLength: 60 }), { freq: 5 }),
      })
      .map(({ params, query, body, sendBody, contentType, rawGarbage }) => {
        let path = route.path;
        route.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, encodeURIComponent(params[i]!))));
        const search = new URLSearchParams(query as Record<string, string>).toString();
        const withBody = route.method !== 'GET' && route.method !== 'DELETE' && sendBody;
        return {
          route,
          url: `${baseUrl}${path}${search ? `?${search}` : ''}`,
          body: withBody ? (rawGarbage ?? JSON.stringify(body) ?? 'null') : undefined,
          contentType: withBody ? contentType : undefined,
        };
      }),
  );
}
