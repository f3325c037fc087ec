import { HttpStatus } from '@nestjs/common';
import { z } from '@steward/config';

/** One invalid input field: where it is (`title`, `items.2.name`) and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The body of every error response: `{ error: { code, message, details? } }`. */
export const apiErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: 'Stable, machine-readable error code', example: 'validation_failed' }),
      message: z
        .string()
        .meta({ description: 'What went wrong, for a person', example: 'title is required' }),
      details: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'For validation errors: every invalid field and what is wrong with it' }),
    }),
  })
  .meta({ id: 'Error' });
export type ApiErrorBody = z.infer<typeof apiErrorBody>;

/**
 * An error meant for the API client: HTTP status, a stable code, a message that is safe to
 * show. Anything else thrown in a request becomes a 500 without internals.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
  }

  static validation(details: FieldProblem[]): ApiError {
    const message = details.map((d) => (d.field ? `${d.field} ${d.message}` : d.message)).join('; ');
    return new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', message, details);
  }

  static unauthorized(): ApiError {
    // The same words for a missing, malformed, unknown or revoked key: no hint which it was.
    return new ApiError(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Authentication required: send Authorization: Bearer <api key> with a valid key',
    );
  }

  static notFound(what: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'not_found', `${what} not found`);
  }

  toBody(): ApiErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}
