// Declarations of the streams, buckets and consumers a service needs, validated at the edge
// so a typo fails at start-up with a message that names the field.
import { z } from 'zod';

/** Stream, bucket and durable names: NATS forbids dots, wildcards and whitespace in them. */
const natsName = z
  .string()
  .min(1)
  .regex(/^[^.*>\s/\\]+$/, 'must not contain ".", "*", ">", "/", "\\" or whitespace');

const subject = z
  .string()
  .min(1)
  .regex(/^[^\s]+$/, 'must not contain whitespace')
  .refine((s) => s.split('.').every((token) => token.length > 0), 'must not have empty tokens');

const positiveMs = z.number().int().positive();

export const streamSpecSchema = z
  .object({
    name: natsName,
    subjects: z.array(subject).min(1),
    retention: z.enum(['limits', 'workqueue', 'interest']),
    maxAgeMs: positiveMs.optional(),
    /** Window within which a repeated `Nats-Msg-Id` is stored once (server default: 2 minutes). */
    duplicateWindowMs: positiveMs.optional(),
    maxBytes: z.number().int().positive().optional(),
    replicas: z.number().int().min(1).max(5).optional(),
  })
  .refine((spec) => !spec.duplicateWindowMs || !spec.maxAgeMs || spec.duplicateWindowMs <= spec.maxAgeMs, {
    message: 'duplicateWindowMs must not exceed maxAgeMs',
    path: ['duplicateWindowMs'],
  });
export type StreamSpec = z.input<typeof streamSpecSchema>;

export const bucketSpecSchema = z.object({
  name: z
    .string()
    .min(1)
    .regex(/^[-\w]+$/, 'may contain only letters, digits, "-" and "_"'),
  ttlMs: positiveMs.optional(),
  history: z.number().int().min(1).max(64).optional(),
});
export type BucketSpec = z.input<typeof bucketSpecSchema>;

export const consumeOptionsSchema = z.object({
  stream: natsName,
  durable: natsName,
  /** Subjects of the stream this consumer receives; omit for all of them. */
  filterSubjects: z.array(subject).min(1).optional(),
  /** Attempts before a failing message is dead-lettered. */
  maxDeliver: z.number().int().min(1).default(5),
  /** How long an unacknowledged delivery stays with one consumer before it is redelivered. */
  ackWaitMs: z.number().int().min(100).default(30_000),
  /** Delay before retry n (1-based) after a handler failure; the last entry repeats. */
  backoffMs: z.array(z.number().int().min(0)).min(1).default([1_000, 5_000, 15_000]),
  /** Messages handled at the same time by this process. */
  concurrency: z.number().int().min(1).max(1_000).default(1),
  /**
   * Where the consumer starts the first time it is created: at the stream's first message, or
   * with what arrives from then on (a consumer added to a running system that must not act on
   * the history the stream keeps). An existing consumer goes on where it is.
   */
  startAt: z.enum(['first', 'new']).default('first'),
});
export type ConsumeOptions = z.input<typeof consumeOptionsSchema>;
export type ResolvedConsumeOptions = z.output<typeof consumeOptionsSchema>;

export const connectOptionsSchema = z.object({
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Connection name shown in the server's monitoring, usually the service name. */
  name: z.string().min(1),
  /** Retention of dead-letter records (default 14 days). */
  deadLetterMaxAgeMs: positiveMs.optional(),
});

/** Parses `value` with `schema`, or throws an Error naming `what` and every invalid field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`Invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}
