import { RpcError, RpcErrorCode } from '@steward/bus';
import type { z } from '@steward/config';

/** Parses an RPC request body, or answers `bad_request` naming every invalid field. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
  throw new RpcError(RpcErrorCode.BadRequest, `invalid ${subject} request: ${details}`);
}
