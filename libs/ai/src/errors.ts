/** Why a model call did not produce a usable result. */
export type AiFailureReason =
  | 'timeout'
  | 'overloaded'
  | 'rate_limited'
  | 'api_error'
  | 'connection'
  | 'authentication'
  | 'invalid_request'
  | 'malformed_tool_call';

/** A model call that failed; the resilient engine answers offline instead. */
export class AiEngineError extends Error {
  constructor(
    readonly reason: AiFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AiEngineError';
  }
}
