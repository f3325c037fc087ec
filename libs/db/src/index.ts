export * from './data-source.js';
export * from './prepared-query.js';
export { DataSource, EntityManager, Repository } from 'typeorm';
export type { MigrationInterface, QueryRunner } from 'typeorm';
