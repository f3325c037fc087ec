import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** Where the docs are served: the page, and the document itself. */
export const OPENAPI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/docs/openapi.json';

/**
 * Serves the OpenAPI document, built by @nestjs/swagger from the controllers' decorators and
 * their zod schemas (built on first request, so start-up stays fast). The page itself is
 * DocsController's: Swagger's own UI wants @fastify/static.
 */
export function setUpOpenApi(application: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(OPENAPI_PATH, application, () => (document ??= buildDocument(application)), {
    ui: false,
    raw: ['json', 'yaml'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: `${OPENAPI_PATH}/openapi.yaml`,
  });
}

function buildDocument(application: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Steward admin API')
    .setDescription(
      'Everything a tenant can do in the dashboard, for programs. Send `Authorization: Bearer <api key>` with every request. ' +
        'Errors always have the shape `{ "error": { "code", "message", "details"? } }`; `details` lists invalid fields.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'An API key: `stw_` followed by at least 32 URL-safe characters',
    })
    .build();
  return SwaggerModule.createDocument(application, config);
}
