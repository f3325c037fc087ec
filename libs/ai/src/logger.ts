/** The logging surface the engines use; a pino logger satisfies it as is. */
export interface PinoLike {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const ignore = (): void => {};

export const silentLogger: PinoLike = { debug: ignore, info: ignore, warn: ignore, error: ignore };
