import type { MessagesRequest } from './request-validation.js';
import type { TextReply, ToolUseReply } from './script.js';

const QUOTE_LENGTH = 60;

/**
 * The answer when a test scripted nothing: a call of the tool that `tool_choice` forces (the
 * first tool for `any`), with an input made from its schema; otherwise a short text that quotes
 * the start of the last user message, so a reader can tell which prompt it answers.
 */
export function defaultReply(request: MessagesRequest): TextReply | ToolUseReply {
  const choice = request.tool_choice;
  const customTools = (request.tools ?? []).filter((t) => 'input_schema' in t);
  const forced =
    choice?.type === 'tool'
      ? customTools.find((t) => t.name === choice.name)
      : choice?.type === 'any'
        ? customTools[0]
        : undefined;
  if (forced && 'input_schema' in forced) {
    const input = exampleFromSchema(forced.input_schema) as Record<string, unknown>;
    return { toolUse: { name: forced.name, input } };
  }
  const quote = lastUserText(request).replace(/\s+/g, ' ').trim().slice(0, QUOTE_LENGTH);
  return { text: `Sandbox reply to: "${quote}"` };
}

function lastUserText(request: MessagesRequest): string {
  const lastUser = request.messages.findLast((m) => m.role === 'user');
  if (!lastUser) return '';
  if (typeof lastUser.content === 'string') return lastUser.content;
  return lastUser.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(' ');
}

type JsonSchema = { [keyword: string]: unknown };

const MAX_DEPTH = 16;

/**
 * The smallest value that satisfies a JSON schema's common constraints: `const`, `default`,
 * `enum`, the first option of `anyOf`/`oneOf`, every `allOf` part, required properties only,
 * `minItems`, `minLength`, `minimum`, and local `$ref`s.
 */
export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return null;
  if ('const' in schema) return schema['const'];
  if ('default' in schema) return schema['default'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  if (typeof schema['$ref'] === 'string')
    return exampleFromSchema(resolveRef(root, schema['$ref']), root, depth + 1);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = schema[keyword];
    if (Array.isArray(options) && options.length > 0) return exampleFromSchema(options[0], root, depth + 1);
  }
  if (Array.isArray(schema['allOf'])) {
    return Object.assign({}, ...schema['allOf'].map((part) => exampleFromSchema(part, root, depth + 1)));
  }

  const type = Array.isArray(schema['type']) ? schema['type'].find((t) => t !== 'null') : schema['type'];
  switch (type) {
    case 'object':
    case undefined: {
      if (type === undefined && !isSchema(schema['properties'])) return null;
      const properties = isSchema(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
      return Object.fromEntries(
        required.map((name) => [name, exampleFromSchema(properties[name], root, depth + 1)]),
      );
    }
    case 'array': {
      const count = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
      return Array.from({ length: count }, () => exampleFromSchema(schema['items'], root, depth + 1));
    }
    case 'string': {
      const length = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      return 'x'.repeat(length);
    }
    case 'integer':
    case 'number': {
      if (typeof schema['minimum'] === 'number')
        return type === 'integer' ? Math.ceil(schema['minimum']) : schema['minimum'];
      if (typeof schema['exclusiveMinimum'] === 'number') return Math.floor(schema['exclusiveMinimum']) + 1;
      if (typeof schema['maximum'] === 'number' && schema['maximum'] < 0) return schema['maximum'];
      return 0;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a `#/…` JSON pointer inside the schema; remote references resolve to nothing. */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  return ref
    .slice(1)
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (isSchema(node) ? node[key] : undefined), root);
}
