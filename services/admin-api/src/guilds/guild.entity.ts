import type { GuildSettings } from '@steward/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Discord server linked to a tenant (one tenant per guild), with its settings. */
@Entity({ name: 'guilds' })
export class Guild {
  @PrimaryColumn('text', { name: 'guild_id' })
  guildId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** The bot application that serves the guild. */
  @Column('text', { name: 'application_id' })
  applicationId!: string;

  @Column('text')
  name!: string;

  /** Discord's icon hash, when the guild has one. */
  @Column('text', { nullable: true })
  icon!: string | null;

  @Column('jsonb')
  settings!: GuildSettings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
