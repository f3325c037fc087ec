import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { z } from '@steward/config';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Public } from '../auth/public.decorator.js';
import { OPENAPI_JSON_PATH, OPENAPI_PATH } from './openapi.setup.js';

/** The Swagger UI files the page loads (from swagger-ui-dist, which @nestjs/swagger brings). */
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'init.js': 'application/javascript; charset=utf-8',
} as const;
type AssetName = keyof typeof ASSETS;

const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// A separate file rather than an inline script, so a strict Content-Security-Policy can stay on.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/${OPENAPI_JSON_PATH}', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Steward admin API</title>
  <link rel="stylesheet" href="/${OPENAPI_PATH}/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/${OPENAPI_PATH}/assets/swagger-ui-bundle.js"></script>
  <script src="/${OPENAPI_PATH}/assets/init.js"></script>
</body>
</html>
`;

/** The readable API reference at /api/docs (Swagger UI over the OpenAPI document). */
@Public()
@ApiExcludeController()
@Controller(OPENAPI_PATH)
export class DocsController {
  private readonly assets = new Map<AssetName, Buffer>();

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('assets/:file')
  async asset(
    @Param('file', { schema: z.enum(Object.keys(ASSETS) as [AssetName, ...AssetName[]]) }) file: AssetName,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    let content = this.assets.get(file);
    if (!content) {
      content = file === 'init.js' ? Buffer.from(INIT_SCRIPT) : await readFile(join(assetsDir, file));
      this.assets.set(file, content);
    }
    void reply.header('Content-Type', ASSETS[file]).header('Cache-Control', 'public, max-age=3600');
    return content;
  }
}
