import { createHash } from 'node:crypto';
import { toBinary } from '@bufbuild/protobuf';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Injectable } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { Buckets, decode, DiscordCommandResultSchema, type DiscordCommandResult } from '@steward/contracts';

/** Outcomes of commands by command id, kept a day: longer than any redelivery of the command. */
export const EGRESS_COMMANDS_BUCKET = Buckets.egressCommands;

/**
 * What egress knows about a command id.
 * - `in-flight`: a delivery is performing it until `leaseUntilMs` (0 once it gave up for a later retry).
 *   Discord may or may not have done it: a process can die between the REST call and recording the outcome.
 * - `done`: performed (or refused by Discord for good); `result` is the encoded DiscordCommandResult.
 */
export type CommandRecord =
  | { state: 'in-flight'; commandId: string; attempt: number; leaseUntilMs: number }
  | { state: 'done'; commandId: string; result: string };

export type Claim =
  /**
   * This delivery performs the command; `previouslyAttempted` when an earlier one may have.
   * `revision` is the claim's KV revision, for renewing it.
   */
  | { kind: 'claimed'; previouslyAttempted: boolean; revision: number }
  /** Already performed: publish this result again, do not call Discord. */
  | { kind: 'done'; result: DiscordCommandResult }
  /** Another delivery (a duplicate) is performing it right now. */
  | { kind: 'busy'; leaseUntilMs: number };

/** KV keys allow few characters; command ids may hold any. */
export function commandKey(commandId: string): string {
  return createHash('sha256').update(commandId).digest('hex');
}

/** The outcome record of each command id in KV, claimed with compare-and-set so one delivery performs it. */
@Injectable()
export class CommandOutcomes {
  private kv?: Promise<KV>;

  constructor(private readonly bus: Bus) {}

  async claim(commandId: string, attempt: number, leaseMs: number): Promise<Claim> {
    const kv = await this.bucket();
    const key = commandKey(commandId);
    const record = (leaseUntilMs: number) => inFlight(commandId, attempt, leaseUntilMs);
    // Most commands arrive once: try to create the record straight away (one round trip);
    // when it exists, read it and decide.
    try {
      const revision = await kv.create(key, JSON.stringify(record(Date.now() + leaseMs)));
      return { kind: 'claimed', previouslyAttempted: false, revision };
    } catch (error) {
      if (!isLostRace(error)) throw error;
    }
    // A lost race re-reads the record; two rounds settle it unless deliveries keep colliding.
    for (let round = 0; round < 3; round++) {
      const entry = await kv.get(key);
      try {
        if (!entry || entry.operation !== 'PUT') {
          const revision = await kv.create(key, JSON.stringify(record(Date.now() + leaseMs)));
          return { kind: 'claimed', previouslyAttempted: false, revision };
        }
        const current = entry.json<CommandRecord>();
        if (current.state === 'done') {
          return {
            kind: 'done',
            result: decode(DiscordCommandResultSchema, Buffer.from(current.result, 'base64')),
          };
        }
        if (current.leaseUntilMs > Date.now()) return { kind: 'busy', leaseUntilMs: current.leaseUntilMs };
        const revision = await kv.update(key, JSON.stringify(record(Date.now() + leaseMs)), entry.revision);
        return { kind: 'claimed', previouslyAttempted: true, revision };
      } catch (error) {
        if (!isLostRace(error)) throw error;
      }
    }
    return { kind: 'busy', leaseUntilMs: Date.now() + 1_000 };
  }

  /**
   * Extends a claim this delivery still holds (the record is at `revision`, nobody took it over)
   * while the command waits for its rate limit; returns the new revision.
   */
  async renew(commandId: string, attempt: number, leaseMs: number, revision: number): Promise<number> {
    const record = inFlight(commandId, attempt, Date.now() + leaseMs);
    return (await this.bucket()).update(commandKey(commandId), JSON.stringify(record), revision);
  }

  /** Records the final result; a later delivery of the same command id only republishes it. */
  async complete(result: DiscordCommandResult): Promise<void> {
    const record: CommandRecord = {
      state: 'done',
      commandId: result.commandId,
      result: Buffer.from(toBinary(DiscordCommandResultSchema, result)).toString('base64'),
    };
    await (await this.bucket()).put(commandKey(result.commandId), JSON.stringify(record));
  }

  /** Gives the claim up after a failure worth retrying, so the next delivery need not wait for the lease. */
  async release(commandId: string, attempt: number): Promise<void> {
    const record = inFlight(commandId, attempt, 0);
    await (await this.bucket()).put(commandKey(commandId), JSON.stringify(record));
  }

  private bucket(): Promise<KV> {
    this.kv ??= this.bus.kv(EGRESS_COMMANDS_BUCKET.name).catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    return this.kv;
  }
}

function inFlight(commandId: string, attempt: number, leaseUntilMs: number): CommandRecord {
  return { state: 'in-flight', commandId, attempt, leaseUntilMs };
}

function isLostRace(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
