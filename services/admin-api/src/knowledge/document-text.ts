import { HttpStatus } from '@nestjs/common';
import { extname } from 'node:path';
import { ApiError } from '../http/api-error.js';
import { htmlText } from './html-text.js';
import { pdfText, UnreadablePdfError } from './pdf-text.js';

export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf';

/** The largest text the answer service stores per document (Rpc.knowledgeAdd). */
export const MAX_DOCUMENT_CHARS = 2_000_000;

const BY_EXTENSION: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
};

const BY_MEDIA_TYPE: Record<string, DocumentFormat> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
};

export const SUPPORTED_FORMATS = 'Markdown (.md), plain text (.txt), HTML (.html) or PDF (.pdf)';

/** The format of a file by its name, then by its media type; undefined when it is none we read. */
export function documentFormat(input: { filename?: string; mediaType?: string }): DocumentFormat | undefined {
  const byName = input.filename ? BY_EXTENSION[extname(input.filename).toLowerCase()] : undefined;
  const mediaType = input.mediaType?.split(';')[0]?.trim().toLowerCase();
  return byName ?? (mediaType ? BY_MEDIA_TYPE[mediaType] : undefined);
}

/**
 * The text the answer service indexes, from a file in one of the formats we read: Markdown and
 * plain text as they are (UTF-8), HTML as its readable text, PDF as the text of its pages. The
 * title is the document's own (HTML `<title>`, PDF information) when it has one.
 */
export async function documentText(
  bytes: Uint8Array,
  format: DocumentFormat,
): Promise<{ text: string; title: string | null }> {
  let extracted: { text: string; title: string | null };
  if (format === 'pdf') {
    if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-')
      throw unreadable('The file is not a PDF (it does not start with %PDF-)');
    try {
      extracted = await pdfText(bytes);
    } catch (error) {
      if (error instanceof UnreadablePdfError) throw unreadable(error.message);
      throw error;
    }
  } else {
    const decoded = utf8(bytes);
    extracted = format === 'html' ? htmlText(decoded) : { text: decoded.trim(), title: null };
  }
  if (!extracted.text.trim())
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'empty_document',
      format === 'pdf'
        ? 'The PDF has no text to read (a scanned PDF needs text recognition first)'
        : 'The document has no text',
    );
  if (extracted.text.length > MAX_DOCUMENT_CHARS)
    throw new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'document_too_large',
      `The document's text has ${extracted.text.length.toLocaleString('en')} characters; the most is ${MAX_DOCUMENT_CHARS.toLocaleString('en')}: split it`,
    );
  return extracted;
}

function utf8(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw unreadable('The file is not UTF-8 text');
  }
  if (text.includes('\u0000')) throw unreadable('The file is binary, not text');
  return text;
}

function unreadable(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'unreadable_document', message);
}
