import { RpcError, RpcErrorCode } from '@steward/bus';
import { z } from 'zod';

/** Validates an RPC request body; a bad one is answered with `bad_request` naming each field. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new RpcError(
      RpcErrorCode.BadRequest,
      `invalid ${subject} request: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}
