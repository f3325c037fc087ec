import { z } from '@steward/config';
import { ApiError } from './api-error.js';
import { ZodValidationPipe } from './zod-validation.pipe.js';

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe();
  const body = z.object({
    name: z.string().min(1, 'must not be empty'),
    tags: z.array(z.string()).optional(),
  });

  function problems(value: unknown, metadata: Parameters<ZodValidationPipe['transform']>[1]) {
    try {
      pipe.transform(value, metadata);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return (error as ApiError).toBody().error;
    }
    throw new Error('expected a validation error');
  }

  it('passes arguments without a schema through and returns the parsed value', () => {
    expect(pipe.transform('raw', { type: 'query' })).toBe('raw');
    expect(pipe.transform({ name: 'x', extra: 1 }, { type: 'body', schema: body })).toEqual({ name: 'x' });
  });

  it('lists every invalid field with its path', () => {
    expect(problems({ name: '', tags: ['ok', 3] }, { type: 'body', schema: body })).toEqual({
      code: 'validation_failed',
      message: 'name must not be empty; tags.1 must be a string',
      details: [
        { field: 'name', message: 'must not be empty' },
        { field: 'tags.1', message: 'must be a string' },
      ],
    });
  });

  it('names a missing body and a named parameter', () => {
    expect(problems(undefined, { type: 'body', schema: body }).details).toEqual([
      { field: 'request body', message: 'is required' },
    ]);
    expect(problems('x', { type: 'param', data: 'id', schema: z.uuid() }).details).toEqual([
      { field: 'id', message: 'must be a UUID' },
    ]);
  });
});
