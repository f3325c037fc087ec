import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RpcReply } from '@steward/contracts';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { RpcClient } from '../rpc/rpc.client.js';
import {
  createdDocument,
  documentId,
  knowledgeDocument,
  knowledgeDocumentList,
  newDocumentBody,
  type NewDocumentBody,
} from './knowledge.schemas.js';

/** The tenant's knowledge base, stored and indexed by the answer service. */
@ApiTags('knowledge')
@ApiBearerAuth()
@ApiErrorResponses(401, 503)
@Controller(`${API_PREFIX}/knowledge/documents`)
export class KnowledgeController {
  constructor(private readonly rpc: RpcClient) {}

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
    return this.rpc.call('knowledgeAdd', { tenantId, title: body.title, content: body.content });
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
