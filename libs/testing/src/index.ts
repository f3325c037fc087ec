export { createTestDatabase, type OpenTransaction, type TestDatabase } from './database.js';
export { resetJetStream, storedMessages, type StoredMessage } from './jetstream.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export {
  spawnProcess,
  spawnService,
  serviceReady,
  typescriptEntryArgs,
  workspaceRoot,
  type LogLine,
  type ManagedProcess,
  type ReadyCheck,
  type SpawnProcessOptions,
  type SpawnServiceOptions,
} from './processes.js';
