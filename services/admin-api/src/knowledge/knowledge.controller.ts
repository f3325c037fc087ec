import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RpcReply } from '@steward/contracts';
import { CONFIG } from '@steward/runtime';
import type { FastifyRequest } from 'fastify';
import { TenantId } from '../auth/tenant-id.decorator.js';
import type { AdminApiConfig } from '../config.js';
import { apiErrorBody } from '../http/api-error.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient } from '../rpc/rpc.client.js';
import { KnowledgeImports } from './knowledge-imports.js';
import {
  createdDocument,
  documentId,
  importDocumentBody,
  knowledgeDocument,
  knowledgeDocumentList,
  MAX_DOCUMENT_TITLE,
  newDocumentBody,
  reindexedDocument,
  searchQuery,
  searchResult,
  unansweredList,
  unansweredQuery,
  type ImportDocumentBody,
  type NewDocumentBody,
  type SearchQuery,
  type UnansweredQuery,
} from './knowledge.schemas.js';
import { readUpload } from './multipart-upload.js';

/** The tenant's knowledge base, stored and indexed by the answer service. */
@ApiTags('knowledge')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/knowledge/documents`)
export class KnowledgeController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly imports: KnowledgeImports,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Add a text document',
    description:
      'Answers once the document is stored; indexing goes on in the background (`pending → indexing → indexed | failed`).',
  })
  @ApiResponse({ status: 201, description: 'Stored', standardSchema: createdDocument })
  @ApiErrorResponses(400, 413, 415)
  add(
    @TenantId() tenantId: string,
    @Body({ schema: newDocumentBody }) body: NewDocumentBody,
  ): Promise<RpcReply<'knowledgeAdd'>> {
    return this.imports.addText(tenantId, body.title, body.content);
  }

  @Post('upload')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Upload a file',
    description:
      'Markdown, plain text (UTF-8), HTML (its readable text; headings become sections) or PDF (the text of its pages), ' +
      'as `multipart/form-data` with the file in the field `file` and optionally a `title` field before it. ' +
      "The title defaults to the document's own (HTML `<title>`, PDF information), else the file name. " +
      'Files are limited to `ADMIN_UPLOAD_MAX_BYTES` (10 MiB by default), their text to 2,000,000 characters.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        title: {
          type: 'string',
          maxLength: MAX_DOCUMENT_TITLE,
          description: "Send before the file. Default: the document's own title, else the file name",
        },
        file: {
          type: 'string',
          format: 'binary',
          description: 'Markdown (.md), plain text (.txt), HTML (.html) or PDF (.pdf); text in UTF-8',
        },
      },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'Stored; indexing goes on in the background',
    standardSchema: createdDocument,
  })
  @ApiErrorResponses(400, 413)
  @ApiResponse({
    status: 415,
    description: 'Not multipart, or not a format Steward reads',
    standardSchema: apiErrorBody,
  })
  async upload(
    @TenantId() tenantId: string,
    @Req() request: FastifyRequest,
  ): Promise<RpcReply<'knowledgeAdd'>> {
    return this.imports.upload(tenantId, await readUpload(request, this.config.ADMIN_UPLOAD_MAX_BYTES));
  }

  @Post('import')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Import a web page',
    description:
      'Fetches a public http(s) URL (HTML, Markdown, plain text or PDF) within a time and size limit and stores its text. ' +
      'URLs whose host is or resolves to a private, loopback, link-local (cloud metadata), unique-local or unspecified ' +
      'address are refused with `url_not_allowed`, redirects included; `import_failed` says why a fetch failed.',
  })
  @ApiResponse({
    status: 201,
    description: 'Stored; indexing goes on in the background',
    standardSchema: createdDocument,
  })
  @ApiErrorResponses(400, 413, 415)
  import(
    @TenantId() tenantId: string,
    @Body({ schema: importDocumentBody }) body: ImportDocumentBody,
  ): Promise<RpcReply<'knowledgeAdd'>> {
    return this.imports.import(tenantId, body.url, body.title);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a document', description: 'Answers stop using it at once.' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrorResponses(400, 404)
  async delete(@TenantId() tenantId: string, @Param('id', { schema: documentId }) id: string): Promise<void> {
    await this.rpc.call('knowledgeDelete', { tenantId, id });
  }

  @Post(':id/reindex')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Index a document again',
    description: 'From its stored text, in the background; answers leave it out until it is indexed again.',
  })
  @ApiResponse({ status: 202, description: 'Queued', standardSchema: reindexedDocument })
  @ApiErrorResponses(400, 404)
  reindex(
    @TenantId() tenantId: string,
    @Param('id', { schema: documentId }) id: string,
  ): Promise<RpcReply<'knowledgeReindex'>> {
    return this.rpc.call('knowledgeReindex', { tenantId, id });
  }

  @Get()
  @ApiOperation({ summary: 'List documents with their indexing status' })
  @ApiResponse({
    status: 200,
    description: 'The documents, oldest first',
    standardSchema: knowledgeDocumentList,
  })
  list(@TenantId() tenantId: string): Promise<RpcReply<'knowledgeList'>> {
    return this.rpc.call('knowledgeList', { tenantId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One document and its indexing status' })
  @ApiResponse({ status: 200, description: 'The document', standardSchema: knowledgeDocument })
  @ApiErrorResponses(400, 404)
  get(
    @TenantId() tenantId: string,
    @Param('id', { schema: documentId }) id: string,
  ): Promise<RpcReply<'knowledgeGet'>> {
    return this.rpc.call('knowledgeGet', { tenantId, id });
  }
}

/** What the bot would retrieve, and what it could not answer. */
@ApiTags('knowledge')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/knowledge`)
export class KnowledgeInsightsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('search')
  @ApiOperation({
    summary: 'Search preview',
    description:
      'The passages the bot would retrieve for this question, best first: the same query rewrite and search as an answer.',
  })
  @ApiResponse({ status: 200, description: 'The passages, best first', standardSchema: searchResult })
  @ApiErrorResponses(400)
  search(
    @TenantId() tenantId: string,
    @Query({ schema: searchQuery }) query: SearchQuery,
  ): Promise<RpcReply<'knowledgeSearch'>> {
    return this.rpc.call('knowledgeSearch', { tenantId, query: query.q, limit: query.limit });
  }

  @Get('unanswered')
  @ApiOperation({ summary: 'Questions the knowledge base did not cover', description: 'Newest first.' })
  @ApiResponse({ status: 200, description: 'The questions, newest first', standardSchema: unansweredList })
  @ApiErrorResponses(400)
  unanswered(
    @TenantId() tenantId: string,
    @Query({ schema: unansweredQuery }) query: UnansweredQuery,
  ): Promise<RpcReply<'unansweredList'>> {
    return this.rpc.call('unansweredList', { tenantId, limit: query.limit });
  }
}
