export * from './secret-box.js';
export * from './bot-applications.js';
export * from './env.js';
