import { Column, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { ServiceDatabase } from '../src/index.js';

/** A one-table service database for the library's own tests. */
@Entity({ name: 'notes' })
export class Note {
  @PrimaryColumn() id!: string;
  @Column() body!: string;
}

export class CreateNotes1700000000000 implements MigrationInterface {
  name = 'CreateNotes1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE notes (id text PRIMARY KEY, body text NOT NULL)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE notes`);
  }
}

export const notesDatabase: ServiceDatabase = {
  schema: 'notes_service',
  entities: [Note],
  migrations: [CreateNotes1700000000000],
};
