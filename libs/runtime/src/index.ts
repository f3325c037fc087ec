export * from './tokens.js';
export * from './runtime.module.js';
export * from './service.js';
export * from './guild-config-store.js';
export * from './tenant-resolution.js';
export * from './mail-outbox.js';
export * from './takeover-mirror.js';
export * from './periodic-task.js';
