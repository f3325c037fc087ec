import 'reflect-metadata';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { from, type Observable } from 'rxjs';
import { Bus } from '../bus.js';
import { DEAD_LETTER_STREAM, deadLetterSubject, type DeadLetterRecord } from '../consumer.js';
import { PermanentError, RpcError } from '../errors.js';
import type { BusMessage } from '../message.js';
import { BusContext } from './bus.context.js';
import { BusModule } from './bus.module.js';
import { JetStreamEventPattern } from './decorators.js';
import { JetStreamTransport } from './jetstream.transport.js';
import { eventually } from '../../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../../test/nats-server.js';

const STREAM = uniqueName('EVT');
const PREFIX = STREAM.toLowerCase();
const RPC = `rpc.${PREFIX}`;
const retryFast = { ackWaitMs: 1_000, backoffMs: [50] };

const received: { payload: unknown; subject: string; deliveryCount: number }[] = [];
const rawReceived: BusMessage[] = [];
const flakyAttempts: number[] = [];

@Controller()
class EventsController {
  @JetStreamEventPattern(`${PREFIX}.guild.*.MESSAGE_CREATE`, {
    stream: STREAM,
    durable: 'router',
    ...retryFast,
  })
  async onMessageCreate(@Payload() payload: unknown, @Ctx() ctx: BusContext<BusMessage>): Promise<void> {
    received.push({ payload, subject: ctx.getSubject(), deliveryCount: ctx.getMessage().deliveryCount });
  }

  // An observable result: its error naks the message, its completion acks it.
  @JetStreamEventPattern(`${PREFIX}.flaky`, { stream: STREAM, durable: 'flaky', ...retryFast })
  onFlaky(@Ctx() ctx: BusContext<BusMessage>): Observable<void> {
    const attempt = ctx.getMessage().deliveryCount;
    flakyAttempts.push(attempt);
    return from(attempt < 3 ? Promise.reject(new Error('try again')) : Promise.resolve());
  }

  @JetStreamEventPattern(`${PREFIX}.fact`, { stream: STREAM, durable: 'facts', decode: 'raw', ...retryFast })
  onFact(@Payload() message: BusMessage): void {
    rawReceived.push(message);
  }

  @JetStreamEventPattern(`${PREFIX}.poison`, { stream: STREAM, durable: 'poison', ...retryFast })
  onPoison(): void {
    throw new PermanentError('cannot be handled');
  }

  @MessagePattern(`${RPC}.reserve`)
  reserve(@Payload() request: { tokens: number }): { granted: number } {
    if (request.tokens > 100) throw new RpcError('quota_exceeded', 'not enough tokens left');
    return { granted: request.tokens };
  }

  @MessagePattern(`${RPC}.fail`)
  fail(): never {
    throw new Error('boom');
  }
}

let server: NatsTestServer;
let client: Bus;
let app: INestMicroservice;

beforeAll(async () => {
  server = await useNatsServer();
  client = await Bus.connect({ servers: server.url, name: 'nest-spec-client' });

  @Module({
    imports: [
      BusModule.forRoot({
        servers: server.url,
        name: 'nest-spec',
        streams: [{ name: STREAM, subjects: [`${PREFIX}.>`], retention: 'limits' }],
      }),
    ],
    controllers: [EventsController],
  })
  class AppModule {}

  app = await NestFactory.createMicroservice<MicroserviceOptions>(AppModule, {
    strategy: new JetStreamTransport({ bus: () => app.get(Bus) }),
    logger: false,
  });
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await client?.drain();
  await server?.stop();
});

async function deadLetterFor(durable: string): Promise<DeadLetterRecord | undefined> {
  const stored = await client.jsm.streams.getMessage(DEAD_LETTER_STREAM, {
    last_by_subj: deadLetterSubject(STREAM, durable),
  });
  return stored?.json<DeadLetterRecord>();
}

it('delivers JetStream events to @EventPattern handlers with the decoded payload and context', async () => {
  await client.publishJson(`${PREFIX}.guild.42.MESSAGE_CREATE`, { content: 'hi' }, { msgId: 'm-1' });
  await client.publishJson(`${PREFIX}.guild.42.TYPING_START`, { ignored: true });
  const [event] = await eventually(() => received.length === 1 && received, { what: 'the event' });
  expect(event).toEqual({
    payload: { content: 'hi' },
    subject: `${PREFIX}.guild.42.MESSAGE_CREATE`,
    deliveryCount: 1,
  });
  const info = await client.jsm.consumers.info(STREAM, 'router');
  expect(info.num_ack_pending).toBe(0);
});

it("naks while the handler's observable errors and acks once it completes", async () => {
  await client.publish(`${PREFIX}.flaky`, '{}');
  await eventually(() => flakyAttempts.length === 3, { what: 'three attempts' });
  await eventually(async () => (await client.jsm.consumers.info(STREAM, 'flaky')).num_ack_pending === 0, {
    what: 'the ack',
  });
  expect(flakyAttempts).toEqual([1, 2, 3]);
  expect(await deadLetterFor('flaky')).toBeUndefined();
});

it('hands the raw message to handlers that decode it themselves', async () => {
  await client.publish(`${PREFIX}.fact`, new Uint8Array([8, 1, 16, 2]), {
    headers: { 'Content-Type': 'application/protobuf' },
  });
  const [message] = await eventually(() => rawReceived.length === 1 && rawReceived, { what: 'the fact' });
  expect([...message!.data]).toEqual([8, 1, 16, 2]);
  expect(message!.headers['Content-Type']).toBe('application/protobuf');
});

it('dead-letters a message whose handler throws PermanentError, and one that is not valid JSON', async () => {
  await client.publish(`${PREFIX}.poison`, '{}');
  await client.publish(`${PREFIX}.guild.7.MESSAGE_CREATE`, '{truncated');
  const poison = await eventually(() => deadLetterFor('poison'), { what: 'the poison record' });
  expect(poison).toMatchObject({ reason: 'permanent', error: { message: 'cannot be handled' } });
  const undecodable = await eventually(() => deadLetterFor('router'), { what: 'the undecodable record' });
  expect(undecodable).toMatchObject({ reason: 'permanent', subject: `${PREFIX}.guild.7.MESSAGE_CREATE` });
  expect(undecodable.error.message).toMatch(/cannot decode payload/);
});

it('answers requests from @MessagePattern handlers, errors included', async () => {
  expect(await client.requestJson(`${RPC}.reserve`, { tokens: 5 })).toEqual({ granted: 5 });
  await expect(client.requestJson(`${RPC}.reserve`, { tokens: 500 })).rejects.toMatchObject({
    code: 'quota_exceeded',
    message: 'not enough tokens left',
  });
  await expect(client.requestJson(`${RPC}.fail`, {})).rejects.toMatchObject({ code: 'internal' });
});

it('stops consuming and drains the connection on app.close()', async () => {
  const bus = app.get(Bus);
  await app.close();
  expect(bus.isClosed).toBe(true);
  await expect(client.request(`${RPC}.reserve`, '{}', { timeoutMs: 500 })).rejects.toMatchObject({
    code: 'no_responders',
  });
  // Published while the service is down: waits in the stream for the durable.
  await client.publishJson(`${PREFIX}.guild.1.MESSAGE_CREATE`, { content: 'later' });
  const info = await client.jsm.consumers.info(STREAM, 'router');
  expect(info.num_pending).toBe(1);
});
