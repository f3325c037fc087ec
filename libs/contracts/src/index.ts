export * from './gen/steward/v1/common_pb.js';
export * from './gen/steward/v1/answer_pb.js';
export * from './gen/steward/v1/discord_pb.js';
export * from './codec.js';
export * from './subjects.js';
export * from './commands.js';
export * from './rpc.js';
export * from './guild-config.js';
