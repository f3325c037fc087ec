import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's own Discord bot. The token is stored sealed (AES-256-GCM), never in clear. */
@Entity({ name: 'bots' })
export class Bot {
  /** One custom bot per tenant. */
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'application_id' })
  applicationId!: string;

  /** Ed25519 public key, 64 lower-case hex characters. */
  @Column('text', { name: 'public_key' })
  publicKey!: string;

  @Column('text', { name: 'bot_user_id' })
  botUserId!: string;

  @Column('text', { name: 'bot_username' })
  botUsername!: string;

  /** `v1.<keyId>.<iv>.<data>` from SecretBox. */
  @Column('text', { name: 'token_ciphertext' })
  tokenCiphertext!: string;

  /** The master key that sealed the token; rows with an old id are re-encrypted at start. */
  @Column('text', { name: 'key_id' })
  keyId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
