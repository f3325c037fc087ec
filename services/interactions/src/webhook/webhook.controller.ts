import { Controller, Headers, HttpCode, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InteractionHandler } from '../commands/interaction-handler.js';
import { interactionSchema, InteractionType, ResponseType } from '../commands/interaction.schema.js';
import { ApplicationKeys } from './application-keys.js';
import { isFreshTimestamp, verifyDiscordSignature } from './signature.js';

const error = (code: string, message: string) => ({ error: { code, message } });

/**
 * `POST /discord/webhook/`: Discord's interactions endpoint. Every request is verified against
 * the public key of the application it names, over the raw body, before anything else happens.
 */
@Controller('discord/webhook')
export class WebhookController {
  constructor(
    private readonly keys: ApplicationKeys,
    private readonly handler: InteractionHandler,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) response: FastifyReply,
    @Headers('x-signature-ed25519') signature: string | undefined,
    @Headers('x-signature-timestamp') timestamp: string | undefined,
  ) {
    const raw = request.rawBody;
    if (!raw || typeof request.body !== 'object' || request.body === null) {
      response.status(400);
      return error('bad_request', 'the body must be a JSON object');
    }
    if (!signature || !timestamp) {
      response.status(401);
      return error('unauthorized', 'missing X-Signature-Ed25519 or X-Signature-Timestamp');
    }
    const applicationId = (request.body as { application_id?: unknown }).application_id;
    const key = typeof applicationId === 'string' ? this.keys.keyFor(applicationId) : undefined;
    if (!key || !verifyDiscordSignature(key, signature, timestamp, raw)) {
      response.status(401);
      return error('unauthorized', 'invalid request signature');
    }
    if (!isFreshTimestamp(timestamp, Date.now())) {
      response.status(401);
      return error('unauthorized', 'stale request timestamp');
    }
    // Discord's endpoint check is a signed PING; it needs no more than the signature.
    if ((request.body as { type?: unknown }).type === InteractionType.Ping) return { type: ResponseType.Pong };
    const parsed = interactionSchema.safeParse(request.body);
    if (!parsed.success) {
      response.status(400);
      return error('bad_request', 'not a valid interaction');
    }
    return this.handler.handle(parsed.data, 'http');
  }
}
