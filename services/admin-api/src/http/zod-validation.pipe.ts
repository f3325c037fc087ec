import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { z } from '@steward/config';
import { ApiError, type FieldProblem } from './api-error.js';

/**
 * Validates every route argument declared with a zod schema (`@Body({ schema })`,
 * `@Param('id', { schema })`) and hands the parsed value to the handler. Failures become a
 * 400 listing every invalid field. Messages written on a schema win; the fallbacks below
 * replace zod's generic wording for the common cases.
 */
@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const { schema } = metadata;
    if (!schema) return value;
    if (!(schema instanceof z.ZodType))
      throw new Error(
        `route argument schemas must be zod schemas (${metadata.type} ${String(metadata.data ?? '')})`,
      );
    const result = schema.safeParse(value, { error: fallbackMessage });
    if (result.success) return result.data;
    const root = metadata.type === 'body' ? 'request body' : String(metadata.data ?? metadata.type);
    throw ApiError.validation(result.error.issues.map((issue) => toFieldProblem(issue, metadata, root)));
  }
}

function toFieldProblem(issue: z.core.$ZodIssue, metadata: ArgumentMetadata, root: string): FieldProblem {
  const path = issue.path.map(String);
  // `@Param('id')` validates the value alone: name it after the parameter.
  if (metadata.data && typeof metadata.data === 'string') path.unshift(metadata.data);
  return { field: path.length ? path.join('.') : root, message: issue.message };
}

function fallbackMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${withArticle(issue.expected)}`;
  }
  if (issue.code === 'invalid_format' && issue.format === 'uuid') return 'must be a UUID';
  return undefined;
}

function withArticle(type: string): string {
  if (type === 'object') return 'a JSON object';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
