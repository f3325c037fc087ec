export {
  startAnthropicSandbox,
  type AnthropicSandbox,
  type AnthropicSandboxOptions,
} from './anthropic-sandbox.js';
export { AnthropicApiError, type AnthropicErrorType } from './api-error.js';
export { exampleFromSchema } from './default-reply.js';
export type { MessagesRequest } from './request-validation.js';
export type {
  DelayReply,
  ErrorReply,
  RecordedRequest,
  Responder,
  ScriptedReply,
  ScriptedToolUse,
  TextReply,
  ToolUseReply,
} from './script.js';
