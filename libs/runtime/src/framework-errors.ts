import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Errors Fastify's router raises before any Nest handler or exception filter runs (a URL that
 * is not valid percent-encoding, a path segment longer than the router takes), answered in the
 * house error shape `{ error: { code, message } }` instead of Fastify's own.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, code, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'uri_too_long', 'A part of the URL path is too long']
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'bad_url', 'The URL is not valid']
        : [400, 'bad_request', 'The request cannot be routed'];
  void reply.code(status).header('content-type', 'application/json; charset=utf-8').send({ error: { code, message } });
}
