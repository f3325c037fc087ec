import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * `release_reservation`: the run ended without a post while holding the message it reserved in
 * metering. The scheduler's tick gives such messages back and clears the flag, so a release that
 * failed (metering unreachable) is tried again instead of being lost.
 */
export class RunReleaseReservation1771000000000 implements MigrationInterface {
  name = 'RunReleaseReservation1771000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE runs ADD COLUMN release_reservation boolean NOT NULL DEFAULT false');
    await runner.query('CREATE INDEX runs_release_reservation ON runs (finished_at) WHERE release_reservation');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX runs_release_reservation');
    await runner.query('ALTER TABLE runs DROP COLUMN release_reservation');
  }
}
