import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An AnswerRequested being or having been answered. `processing` with a lease while one
 * worker generates, and with the reply it decided once it has (`decided`, for a retry to
 * finish); `done` once the reply is published, so a redelivery is acked at once.
 */
@Entity({ name: 'handled_requests' })
export class HandledRequest {
  @PrimaryColumn({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  state!: 'processing' | 'done';

  @Column({ name: 'lease_until', type: 'timestamptz' })
  leaseUntil!: Date;

  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  decided!: unknown;

  @Column({ name: 'reply_command_ids', type: 'text', array: true })
  replyCommandIds!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
