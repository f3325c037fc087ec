/** A control-surface call that cannot be carried out (unknown guild, bad id, ...). Over HTTP: 400 `{ error }`. */
export class SandboxInputError extends Error {
  override name = 'SandboxInputError';
}

/** An error answered the way Discord's REST API answers it: `{ message, code, errors? }` with an HTTP status. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return this.errors
      ? { message: this.message, code: this.code, errors: this.errors }
      : { message: this.message, code: this.code };
  }
}

export const unauthorized = () => new DiscordApiError(401, 0, '401: Unauthorized');
export const missingAccess = () => new DiscordApiError(403, 50001, 'Missing Access');
export const missingPermissions = () => new DiscordApiError(403, 50013, 'Missing Permissions');
export const unknownChannel = () => new DiscordApiError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new DiscordApiError(404, 10004, 'Unknown Guild');
export const unknownMember = () => new DiscordApiError(404, 10007, 'Unknown Member');
export const unknownMessage = () => new DiscordApiError(404, 10008, 'Unknown Message');
export const unknownUser = () => new DiscordApiError(404, 10013, 'Unknown User');
export const unknownBan = () => new DiscordApiError(404, 10026, 'Unknown Ban');
export const unknownInteraction = () => new DiscordApiError(404, 10062, 'Unknown interaction');
export const unknownWebhook = () => new DiscordApiError(404, 10015, 'Unknown Webhook');
export const notFound = () => new DiscordApiError(404, 0, '404: Not Found');

/** Discord's "Invalid Form Body" (50035) with one error on one field path, e.g. `content`. */
export function invalidFormBody(field: string, code: string, message: string): DiscordApiError {
  const errors: Record<string, unknown> = {};
  let cursor = errors;
  const parts = field.split('.');
  parts.forEach((part, index) => {
    const next: Record<string, unknown> = index === parts.length - 1 ? { _errors: [{ code, message }] } : {};
    cursor[part] = next;
    cursor = next;
  });
  return new DiscordApiError(400, 50035, 'Invalid Form Body', errors);
}
