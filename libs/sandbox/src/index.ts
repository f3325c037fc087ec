export * from './discord/index.js';
export * from './anthropic/index.js';
export * from './smtp/index.js';
