import { ForbiddenException, HttpException } from '@nestjs/common';
import { RpcError } from '@steward/bus';
import { ServiceCallError } from '../rpc/service-call.error.js';
import { toApiError } from './api-exception.filter.js';

describe('toApiError', () => {
  const body = (exception: unknown) => {
    const error = toApiError(exception);
    return { status: error.status, ...error.toBody().error };
  };

  it('maps failed calls to other services by their RPC code', () => {
    expect(body(new ServiceCallError('answer', 'bad_request', 'title must not be empty'))).toEqual({
      status: 400,
      code: 'bad_request',
      message: 'title must not be empty',
    });
    expect(body(new ServiceCallError('answer', 'not_found', 'no knowledge document x'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect(
      body(
        new ServiceCallError('answer', 'timeout', 'no reply from rpc.answer.knowledge.add within 5000 ms'),
      ),
    ).toEqual({
      status: 503,
      code: 'service_unavailable',
      message: 'The answer service did not answer in time; try again shortly',
    });
    expect(
      body(new ServiceCallError('answer', 'internal', 'relation "answer.documents" does not exist')),
    ).toEqual({
      status: 502,
      code: 'upstream_failed',
      message: 'The answer service could not handle the request; the error has been logged',
    });
    expect(body(new RpcError('no_responders', 'nobody serves rpc.metering.reserve'))).toMatchObject({
      status: 503,
      message: 'A service this request needs is not running right now; try again shortly',
    });
  });

  it('keeps the status of HTTP exceptions and names Fastify body errors', () => {
    expect(body(new ForbiddenException('not yours'))).toEqual({
      status: 403,
      code: 'forbidden',
      message: 'not yours',
    });
    const tooLarge = new HttpException('Request body is too large', 413, {
      cause: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
    });
    expect(body(tooLarge)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('reveals nothing about unexpected errors', () => {
    expect(body(new TypeError("Cannot read properties of undefined (reading 'tenantId')"))).toEqual({
      status: 500,
      code: 'internal',
      message: 'Something went wrong on our side; the error has been logged',
    });
    expect(body(new HttpException('database password is hunter2', 500))).toMatchObject({
      status: 500,
      code: 'internal',
    });
  });
});
