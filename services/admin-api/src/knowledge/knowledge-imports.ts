import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import type { RpcReply } from '@steward/contracts';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { basename, extname } from 'node:path';
import type { AdminApiConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { RpcClient } from '../rpc/rpc.client.js';
import { documentFormat, documentText, SUPPORTED_FORMATS } from './document-text.js';
import { MAX_DOCUMENT_TITLE } from './knowledge.schemas.js';
import type { UploadedDocument } from './multipart-upload.js';
import { fetchPublicDocument } from './url-fetcher.js';

/** Room left in a NATS message for the request's other fields and headers. */
const MESSAGE_HEADROOM_BYTES = 4 * 1024;

/**
 * Turns files and web pages into knowledge documents: the text is extracted here (Markdown and
 * plain text as they are, HTML and PDF as their text) and stored by the answer service, which
 * indexes it in the background.
 */
@Injectable()
export class KnowledgeImports {
  constructor(
    private readonly rpc: RpcClient,
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A document sent as JSON, already checked against the route's schema. */
  addText(tenantId: string, title: string, content: string): Promise<RpcReply<'knowledgeAdd'>> {
    return this.store(tenantId, title, content);
  }

  async upload(tenantId: string, upload: UploadedDocument): Promise<RpcReply<'knowledgeAdd'>> {
    const format = documentFormat({ filename: upload.filename, mediaType: upload.mediaType });
    if (!format)
      throw new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_document',
        `${upload.filename || 'The file'} is not a format Steward reads: upload ${SUPPORTED_FORMATS}`,
      );
    const { text, title } = await documentText(upload.bytes, format);
    const fileTitle = basename(upload.filename, extname(upload.filename)).trim();
    return this.store(tenantId, upload.title?.trim() || title || fileTitle || 'Untitled document', text);
  }

  async import(
    tenantId: string,
    address: string,
    requestedTitle: string | undefined,
  ): Promise<RpcReply<'knowledgeAdd'>> {
    const fetched = await fetchPublicDocument(address, {
      maxBytes: this.config.ADMIN_URL_IMPORT_MAX_BYTES,
      timeoutMs: this.config.ADMIN_URL_IMPORT_TIMEOUT_MS,
      allowHosts: this.config.STEWARD_URL_IMPORT_ALLOW_HOSTS,
      logger: this.logger,
    });
    // The server's media type first; a file name in the path when it sends none we read.
    const format =
      documentFormat({ mediaType: fetched.mediaType }) ?? documentFormat({ filename: fetched.url.pathname });
    if (!format)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'unsupported_document',
        `${fetched.url.href} is ${fetched.mediaType ?? 'of an unknown type'}; Steward imports ${SUPPORTED_FORMATS}`,
        [{ field: 'url', message: `is ${fetched.mediaType ?? 'of an unknown type'}` }],
      );
    const { text, title } = await documentText(fetched.bytes, format);
    this.logger.info(
      { tenantId, url: fetched.url.origin + fetched.url.pathname, format },
      'knowledge imported from a URL',
    );
    return this.store(tenantId, requestedTitle || title || fetched.url.href, text);
  }

  private store(tenantId: string, title: string, content: string): Promise<RpcReply<'knowledgeAdd'>> {
    // The text travels to the answer service in one NATS message, whose size the server caps.
    // It goes as JSON, where quotes, backslashes and control characters take more room.
    const request = { tenantId, title: title.slice(0, MAX_DOCUMENT_TITLE), content };
    const maxPayload = this.bus.maxPayload;
    const size = Buffer.byteLength(JSON.stringify(request), 'utf8');
    if (size > maxPayload - MESSAGE_HEADROOM_BYTES)
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'document_too_large',
        `The document's text is ${mebibytes(size)} MiB; this server stores documents of up to ${mebibytes(maxPayload - MESSAGE_HEADROOM_BYTES)} MiB of text (the NATS max_payload): split it`,
      );
    return this.rpc.call('knowledgeAdd', request);
  }
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
