/** The `error.type` values the Messages API answers with. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** An error answer, as the API sends it: an HTTP status plus Anthropic's error JSON. */
export class AnthropicApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    /** Sent as `retry-after` (seconds), which the SDK honours before retrying. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AnthropicApiError';
  }

  static invalidRequest(message: string): AnthropicApiError {
    return new AnthropicApiError(400, 'invalid_request_error', message);
  }

  /** `{ type: 'error', error: { type, message }, request_id }`: the body shape of every API error. */
  toBody(requestId: string): AnthropicErrorBody {
    return { type: 'error', error: { type: this.type, message: this.message }, request_id: requestId };
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id: string;
}
