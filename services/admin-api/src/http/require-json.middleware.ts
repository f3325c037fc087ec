import { HttpStatus, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * Request bodies must be JSON. Form posts and text/plain are refused before they are parsed:
 * browsers send those cross-site without a preflight, so accepting them would open the API
 * to CSRF once the dashboard's session cookie exists.
 */
@Injectable()
export class RequireJsonMiddleware implements NestMiddleware {
  use(request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void): void {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        'Send the request body as JSON with Content-Type: application/json',
      );
    }
    next();
  }
}
