import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One question and Steward's reply, remembered for a member's follow-up questions. */
@Entity({ name: 'conversation_turns' })
export class RememberedTurn {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  /** `<guild>:<channel>:<author>`: one member in one channel. */
  @Column({ name: 'conversation_id', type: 'text' })
  conversationId!: string;

  @Column({ type: 'text' })
  question!: string;

  @Column({ type: 'text' })
  answer!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
