import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A question the knowledge base did not cover: the tenant's list of what to write next. */
@Entity({ name: 'unanswered_questions' })
export class UnansweredQuestion {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'guild_id', type: 'text' })
  guildId!: string;

  @Column({ name: 'channel_id', type: 'text' })
  channelId!: string;

  @Column({ type: 'text' })
  question!: string;

  @Column({ type: 'text' })
  language!: string;

  @Column({ name: 'asked_at', type: 'timestamptz' })
  askedAt!: Date;
}
