export { Bus, type BusConnectOptions, type PublishOptions, type PublishResult } from './bus.js';
export {
  DEAD_LETTER_STREAM,
  deadLetterSubject,
  type ConsumerHandle,
  type DeadLetterRecord,
  type MessageHandler,
} from './consumer.js';
export { isBusFailure, PermanentError, RpcError, RpcErrorCode } from './errors.js';
export { mirrorKv, type MirroredEntry } from './kv-mirror.js';
export type { HeaderRecord } from './headers.js';
export { silentLogger, type BusLogger } from './logger.js';
export type { BusMessage, InboundMessage } from './message.js';
export {
  RPC_STATUS_HEADER,
  type RequestOptions,
  type RpcHandler,
  type RpcReply,
  type ServeHandle,
  type ServeOptions,
} from './rpc.js';
export type { BucketSpec, ConsumeOptions, StreamSpec } from './specs.js';
export { BusContext, type BusEventContext } from './nest/bus.context.js';
export { JetStreamEventPattern } from './nest/decorators.js';
export { BusModule, type BusModuleAsyncOptions, type BusModuleOptions } from './nest/bus.module.js';
export {
  JetStreamTransport,
  type JetStreamEventExtras,
  type JetStreamTransportOptions,
  type RpcPatternExtras,
} from './nest/jetstream.transport.js';
export type { PayloadDecoder } from './nest/payload-decoder.js';
export type { KV } from '@nats-io/kv';
