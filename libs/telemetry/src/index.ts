export * from './tracing.js';
export * from './logger.js';
export * from './ops-server.js';
export * from './connection-drain.js';
export { Counter, Gauge, Histogram } from 'prom-client';
