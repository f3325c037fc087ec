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
}
