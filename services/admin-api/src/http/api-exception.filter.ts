import {
  Catch,
  HttpException,
  HttpStatus,
  Inject,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isBusFailure, RpcError } from '@steward/bus';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { throwError } from 'rxjs';
import { ServiceCallError } from '../rpc/service-call.error.js';
import { ApiError } from './api-error.js';

/**
 * Turns everything thrown while handling a request into `{ error: { code, message, details? } }`
 * with the right status: our own ApiErrors as they are, Fastify's body errors and Nest's
 * HttpExceptions by status, failed calls to other services by their RPC code, NATS and JetStream
 * failures into a 503, and anything else into a 500 that reveals nothing (and is logged in full).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    // Platform-neutral through the adapter: middleware errors arrive with the raw Node
    // request/response, handler errors with Fastify's.
    const adapter = this.adapterHost.httpAdapter;
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const error = toApiError(exception);
    if (error.status >= 500) {
      const level = error.status === HttpStatus.SERVICE_UNAVAILABLE ? 'warn' : 'error';
      this.logger[level](
        {
          err: exception,
          method: adapter.getRequestMethod(request),
          url: adapter.getRequestUrl(request),
          status: error.status,
        },
        'request failed',
      );
    }
    if (error.status === HttpStatus.UNAUTHORIZED) adapter.setHeader(response, 'WWW-Authenticate', 'Bearer');
    adapter.reply(response, error.toBody(), error.status);
  }
}

/** What the client is told about anything thrown while handling its request. */
export function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  if (exception instanceof ServiceCallError)
    return fromServiceCall(exception.service, exception.code, exception.message);
  if (exception instanceof RpcError) return fromServiceCall(undefined, exception.code, exception.message);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isBusFailure(exception)) {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'service_unavailable',
      'Steward could not reach its message bus to apply this; nothing was changed, try again shortly',
    );
  }
  return new ApiError(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'internal',
    'Something went wrong on our side; the error has been logged',
  );
}

/** Fastify's body-parsing errors (they arrive wrapped in an HttpException) and Nest's own. */
function fromHttpException(exception: HttpException): ApiError {
  const status = exception.getStatus();
  const fastifyCode = (exception.cause as { code?: unknown } | undefined)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(HttpStatus.BAD_REQUEST, 'invalid_json', 'The request body is not valid JSON', [
        { field: 'request body', message: 'must be valid JSON' },
      ]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_json',
        'The request body is empty; send a JSON object',
        [{ field: 'request body', message: 'is required' }],
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'payload_too_large',
        'The request body is larger than the server accepts (1 MiB)',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        'Send the request body as JSON with Content-Type: application/json',
      );
  }
  if (status >= 500)
    return new ApiError(status, 'internal', 'Something went wrong on our side; the error has been logged');
  return new ApiError(status, HTTP_CODES[status] ?? `http_${status}`, exception.message);
}

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** A failed request to another Steward service, by the RpcError code it answered with. */
function fromServiceCall(service: string | undefined, code: string, message: string): ApiError {
  const who = service ? `The ${service} service` : 'A service this request needs';
  switch (code) {
    case 'bad_request':
    case 'validation_failed':
      return new ApiError(HttpStatus.BAD_REQUEST, 'bad_request', message);
    case 'not_found':
      return new ApiError(HttpStatus.NOT_FOUND, 'not_found', message);
    case 'conflict':
      return new ApiError(HttpStatus.CONFLICT, 'conflict', message);
    case 'no_responders':
      return new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'service_unavailable',
        `${who} is not running right now; try again shortly`,
      );
    case 'timeout':
      return new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'service_unavailable',
        `${who} did not answer in time; try again shortly`,
      );
    default:
      return new ApiError(
        HttpStatus.BAD_GATEWAY,
        'upstream_failed',
        `${who} could not handle the request; the error has been logged`,
      );
  }
}
