import { RpcException } from '@nestjs/microservices';
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
// A publish nobody stores (its stream is gone) fails with this one, which only the internal entry exports.
import { jserrors } from '@nats-io/jetstream/internal';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';

/**
 * Thrown by a consumer handler when retrying cannot help (a malformed payload, a reference
 * to something that no longer exists). The message is terminated at once and recorded in
 * the dead-letter stream instead of being retried.
 *
 * It extends Nest's RpcException and reports itself as its own error, so it passes through
 * Nest's default RPC exception filter unchanged and a JetStreamTransport handler can throw it.
 */
export class PermanentError extends RpcException {
  override readonly name = 'PermanentError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    if (options && 'cause' in options) this.cause = options.cause;
  }

  override getError(): object {
    return this;
  }
}

/** Well-known RpcError codes; responders may use any other code of their own. */
export const RpcErrorCode = {
  /** No reply arrived within the timeout. */
  Timeout: 'timeout',
  /** Nobody serves the subject. */
  NoResponders: 'no_responders',
  /** The responder failed without naming a code. */
  Internal: 'internal',
  /** The request could not be decoded by the responder. */
  BadRequest: 'bad_request',
  /** The thing asked for does not exist (or belongs to another tenant). */
  NotFound: 'not_found',
} as const;

/**
 * The failure of a request/reply call. Thrown by a `serve` handler (or a Nest
 * `@MessagePattern` handler) to answer with a specific code; thrown by `request` when the
 * responder answered with an error, timed out, or nobody serves the subject.
 */
export class RpcError extends RpcException {
  override readonly name = 'RpcError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options && 'cause' in options) this.cause = options.cause;
  }

  // Passes through Nest's default RPC exception filter as itself.
  override getError(): object {
    return this;
  }
}

/** `{ name, message }` of anything thrown: Errors, Nest's `{ status, message }` objects, strings. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error as { message: unknown };
    return { name: 'Error', message: typeof message === 'string' ? message : JSON.stringify(message) };
  }
  return {
    name: 'Error',
    message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
  };
}

/**
 * Whether NATS or JetStream failed the call: the connection is down, closing or slow, or the
 * server refused the write. Retrying later may succeed; the caller's input is not at fault.
 */
export function isBusFailure(error: unknown): boolean {
  return (
    error instanceof TimeoutError ||
    error instanceof ConnectionError ||
    error instanceof ClosedConnectionError ||
    error instanceof DrainingConnectionError ||
    error instanceof NoRespondersError ||
    error instanceof RequestError ||
    error instanceof JetStreamError ||
    error instanceof JetStreamApiError ||
    error instanceof jserrors.JetStreamNotEnabled
  );
}
