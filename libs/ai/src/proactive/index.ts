export {
  PROACTIVE_POST_MAX_CHARS,
  type ProactivePost,
  type ProactivePostInput,
  type ProactiveWriter,
} from './proactive.js';
export { textSimilarity, maxSimilarity } from './similarity.js';
export { OfflineProactiveWriter, type OfflineProactiveWriterOptions } from './offline-writer.js';
export { AnthropicProactiveWriter, type AnthropicProactiveWriterOptions } from './anthropic-writer.js';
export {
  ResilientProactiveWriter,
  createProactiveWriter,
  type CreateProactiveWriterOptions,
  type ResilientProactiveWriterOptions,
} from './create-writer.js';
