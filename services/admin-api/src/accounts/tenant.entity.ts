import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const PLANS = ['starter', 'standard', 'pro'] as const;
export type Plan = (typeof PLANS)[number];

@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  plan!: Plan;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When metering last confirmed this tenant's plan; null while that is still to be done. */
  @Column('timestamptz', { name: 'subscription_synced_at', nullable: true })
  subscriptionSyncedAt!: Date | null;
}
