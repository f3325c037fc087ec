import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { Public } from '../auth/public.decorator.js';
import { ApiError } from '../http/api-error.js';
import { UiFiles, type UiFile } from './ui-files.js';

const NOT_BUILT_PAGE = (dir: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Steward</title></head>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
  <h1>The Steward dashboard is not built</h1>
  <p>No <code>index.html</code> in <code>${escapeHtml(dir)}</code>. Build it with</p>
  <pre>npm run build -w @steward/admin-ui</pre>
  <p>(<code>npm start</code> builds it for you), or point <code>STEWARD_UI_DIR</code> at a built copy.
  The API is available at <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
`;

/**
 * The dashboard's files at `/`: a known file as it is, any other path outside `/api` the
 * entry page, so the browser app's own routes (`/servers/123/setup`) load on a reload.
 */
@Public()
@ApiExcludeController()
@Controller()
export class UiController {
  constructor(private readonly files: UiFiles) {}

  // find-my-way's catch-all; Fastify tries every more specific route (the API, /api/docs) first.
  @Get('*')
  async serve(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (urlPath === '/api' || urlPath.startsWith('/api/')) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No route GET ${urlPath}`);
    }
    const file = (await this.files.find(urlPath)) ?? (await this.files.index());
    if (!file) {
      await reply
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(NOT_BUILT_PAGE(this.files.dir));
      return;
    }
    await send(reply, file);
  }
}

function send(reply: FastifyReply, file: UiFile) {
  return reply
    .header('Content-Type', file.contentType)
    .header('Cache-Control', file.cacheControl)
    .header('X-Content-Type-Options', 'nosniff')
    .send(createReadStream(file.path));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
