import { context, trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line. */
const REDACTED_PATHS = [
  'token',
  'botToken',
  'password',
  'apiKey',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.token',
  '*.botToken',
  '*.password',
  '*.apiKey',
  '*.authorization',
  // A failed query's values (TypeORM's QueryFailedError, which also copies the driver error's
  // fields): its bind parameters, and Postgres's detail ("Key (email)=(…)", "Failing row contains
  // (…)"), which hold password hashes, addresses, text.
  'err.parameters',
  'err.detail',
  'err.driverError.detail',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: DestinationStream;
}

/** JSON logs with the service name and the active trace and span ids on every line. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const spanContext = trace.getSpan(context.active())?.spanContext();
        if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
        return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
      },
    },
    options.destination,
  );
}

/** Routes NestJS framework logs into the same JSON stream. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, stack: trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
