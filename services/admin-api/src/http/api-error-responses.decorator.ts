import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { apiErrorBody } from './api-error.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `details` lists every invalid field',
  401: 'Missing, unknown or revoked API key',
  404: 'No such resource for this tenant',
  409: 'The resource changed or is held elsewhere; load it again and retry',
  413: 'Request body larger than 1 MiB',
  415: 'Request body is not JSON',
  502: 'A service behind the API failed',
  503: 'A service behind the API is not available right now; retry later',
};

/** Documents the error responses a route can give, all in the `{ error: { code, message, details? } }` shape. */
export function ApiErrorResponses(...statuses: Array<keyof typeof DESCRIPTIONS>) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], standardSchema: apiErrorBody }),
    ),
  );
}
