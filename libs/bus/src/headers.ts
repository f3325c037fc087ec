// NATS headers as plain records, and as carriers for W3C trace context.
import { headers as createHeaders, Match, type MsgHdrs } from '@nats-io/transport-node';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

export type HeaderRecord = Record<string, string>;

export function toHeaderRecord(headers: MsgHdrs | undefined): HeaderRecord {
  const record: HeaderRecord = {};
  if (!headers) return record;
  for (const key of headers.keys()) record[key] = headers.last(key);
  return record;
}

const LINE_BREAK = /[\r\n]/;

export function toMsgHdrs(record: HeaderRecord | undefined): MsgHdrs {
  const headers = createHeaders();
  for (const key in record) {
    const value = record[key]!;
    if (LINE_BREAK.test(key) || LINE_BREAK.test(value)) {
      throw new Error(`Header ${JSON.stringify(key)} must not contain line breaks`);
    }
    // A fresh set has no key to replace, so append (set looks every key up to delete it first).
    headers.append(key, value);
  }
  return headers;
}

export const headerSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

export const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  get: (carrier, key) =>
    carrier?.has(key, Match.IgnoreCase) ? carrier.get(key, Match.IgnoreCase) : undefined,
};
