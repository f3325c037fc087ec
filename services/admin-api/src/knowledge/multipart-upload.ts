import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { AdminApiConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { MAX_DOCUMENT_TITLE } from './knowledge.schemas.js';

/** A file uploaded as `multipart/form-data`: field `file`, and optionally a `title` field. */
export interface UploadedDocument {
  filename: string;
  mediaType: string;
  bytes: Buffer;
  title: string | undefined;
}

/**
 * Registers @fastify/multipart on the admin API's Fastify instance, limited to one file. It runs
 * while the application is configured, before Nest initialises the adapter and adds routes.
 */
export async function registerMultipartUploads(
  app: NestFastifyApplication,
  config: AdminApiConfig,
): Promise<void> {
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { files: 1, fields: 4, parts: 5, fileSize: config.ADMIN_UPLOAD_MAX_BYTES, fieldSize: 1_000 },
  });
}

/** Reads the one uploaded file (and the title, when sent before it) with clear errors for every misuse. */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<UploadedDocument> {
  if (!request.isMultipart())
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      'Send the file as multipart/form-data in a field named "file"',
    );
  let title: string | undefined;
  let titleTooLong = false;
  let upload: UploadedDocument | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'title' && typeof part.value === 'string') {
          title = part.value;
          // The parser cuts a field at 1,000 bytes; either way a title is refused, not cut.
          titleTooLong = part.valueTruncated || title.trim().length > MAX_DOCUMENT_TITLE;
        }
        continue;
      }
      if (part.fieldname !== 'file') {
        await part.toBuffer();
        throw invalidUpload(
          `unexpected file field "${part.fieldname}"; send the file in a field named "file"`,
        );
      }
      upload = { filename: part.filename, mediaType: part.mimetype, bytes: await part.toBuffer(), title };
    }
  } catch (error) {
    throw uploadFailure(error, maxBytes);
  }
  if (!upload) throw invalidUpload('no file: send it in a field named "file"');
  if (titleTooLong)
    throw ApiError.validation([
      { field: 'title', message: `must be at most ${MAX_DOCUMENT_TITLE} characters` },
    ]);
  return { ...upload, title: upload.title ?? title };
}

/** What the client is told when the multipart body could not be read. */
function uploadFailure(error: unknown, maxBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const { code, statusCode } = error as { code?: string; statusCode?: unknown };
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'payload_too_large',
      `The file is larger than ${Math.floor(maxBytes / 1024).toLocaleString('en')} KiB`,
    );
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return invalidUpload('send one file (field "file") and at most a "title" field');
  // Anything else is a body the parser could not read (no boundary, cut short, a field named
  // __proto__): the client's fault, not ours. A 4xx the upload library chose is kept.
  const status =
    typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500
      ? statusCode
      : HttpStatus.BAD_REQUEST;
  return invalidUpload('could not be read: the multipart/form-data body is malformed or incomplete', status);
}

function invalidUpload(message: string, status: number = HttpStatus.BAD_REQUEST): ApiError {
  return new ApiError(status, 'validation_failed', `file ${message}`, [{ field: 'file', message }]);
}
