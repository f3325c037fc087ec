/**
 * A request to another Steward service that failed: the service's name, the RpcError code it
 * answered with (or `timeout` / `no_responders` / `bad_reply`), and its message.
 */
export class ServiceCallError extends Error {
  override readonly name = 'ServiceCallError';

  constructor(
    readonly service: string,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
