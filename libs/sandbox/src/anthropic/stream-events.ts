import type Anthropic from '@anthropic-ai/sdk';

/** One server-sent event as the API writes it: `event: <type>` and a JSON `data:` line. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: object;
}

const TEXT_CHUNK_WORDS = 3;
const JSON_CHUNK_CHARS = 16;

/**
 * The event sequence the API streams for a finished message: `message_start` (empty content),
 * per block `content_block_start` / `content_block_delta`s / `content_block_stop` with a `ping`
 * after the first start, then `message_delta` (stop reason, final usage) and `message_stop`.
 */
export function messageStreamEvents(message: Anthropic.Message): ServerSentEvent[] {
  const events: ServerSentEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...message.usage, output_tokens: 1 },
        },
      },
    },
  ];

  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(blockStart(index, { type: 'text', text: '', citations: null }));
      if (index === 0) events.push(ping());
      for (const text of textChunks(block.text)) {
        events.push(blockDelta(index, { type: 'text_delta', text }));
      }
    } else if (block.type === 'tool_use') {
      events.push(blockStart(index, { ...block, input: {} }));
      if (index === 0) events.push(ping());
      // The API opens every tool input with an empty fragment before the JSON itself.
      for (const partial_json of ['', ...jsonChunks(JSON.stringify(block.input))]) {
        events.push(blockDelta(index, { type: 'input_json_delta', partial_json }));
      }
    } else {
      throw new Error(`Streaming a ${block.type} block is not supported by the sandbox`);
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });

  const { usage } = message;
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: {
          stop_reason: message.stop_reason,
          stop_sequence: message.stop_sequence,
          stop_details: null,
          container: null,
        },
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: usage.output_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens_details: null,
          server_tool_use: null,
        },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

/** The wire form of one event. */
export function formatServerSentEvent({ event, data }: ServerSentEvent): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function blockStart(index: number, contentBlock: object): ServerSentEvent {
  return {
    event: 'content_block_start',
    data: { type: 'content_block_start', index, content_block: contentBlock },
  };
}

function blockDelta(index: number, delta: object): ServerSentEvent {
  return { event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } };
}

function ping(): ServerSentEvent {
  return { event: 'ping', data: { type: 'ping' } };
}

/** A few words per delta, whitespace kept, so the deltas concatenate to the exact text. */
function textChunks(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += TEXT_CHUNK_WORDS)
    chunks.push(words.slice(i, i + TEXT_CHUNK_WORDS).join(''));
  return chunks;
}

function jsonChunks(json: string): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < json.length; i += JSON_CHUNK_CHARS) chunks.push(json.slice(i, i + JSON_CHUNK_CHARS));
  return chunks;
}
