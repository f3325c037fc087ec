import { HttpStatus } from '@nestjs/common';
import type { Logger } from '@steward/telemetry';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ApiError } from '../http/api-error.js';

/** Resolves a host name to every address it has (the system resolver by default; tests inject one). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Host names (or IPs) exempt from the address check; empty in production. */
  allowHosts: readonly string[];
  maxRedirects?: number;
  resolver?: Resolver;
  /** Where refusals are explained in full (the client is told less). */
  logger?: Pick<Logger, 'info'>;
}

export interface FetchedDocument {
  bytes: Buffer;
  /** The Content-Type the server sent, if any. */
  mediaType: string | undefined;
  /** Where the document was found, after redirects. */
  url: URL;
}

const DEFAULT_MAX_REDIRECTS = 5;

/** What the address classes are called in refusals. */
const ADDRESS_CLASSES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (cloud metadata lives there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  uniqueLocal: 'a unique-local address',
  reserved: 'a reserved address',
};

/**
 * Why Steward must not connect to this address, or undefined for a public unicast address.
 * Everything but public unicast is refused: private, loopback, link-local (169.254.0.0/16,
 * where cloud metadata answers), unique-local, unspecified, and the special ranges that can
 * hide them (IPv4-mapped addresses are judged as the IPv4 address they carry).
 */
export function addressProblem(address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  const range = ip.range();
  if (range === 'unicast') return undefined;
  return ADDRESS_CLASSES[range] ?? `a special-purpose address (${range})`;
}

/**
 * Fetches a document from the public web without letting the URL reach inside the network
 * (SSRF): only http and https; the host is resolved and every address it resolves to is
 * checked; the connection goes to the address that was checked (no second lookup a DNS
 * rebinding could change); every redirect goes through the same checks. The whole fetch,
 * redirects included, has a time limit, and the body a size limit.
 */
export async function fetchPublicDocument(target: string, limits: FetchLimits): Promise<FetchedDocument> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = parseUrl(target);
  for (let redirects = 0; ; redirects++) {
    const address = await checkedAddress(url, limits);
    let response: IncomingMessage;
    try {
      response = await get(url, address, signal);
    } catch (error) {
      throw fetchFailure(error, url, limits, signal);
    }
    const location = response.headers.location;
    if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
      response.resume();
      if (redirects >= (limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS))
        throw importFailed(
          `${url.origin} redirected more than ${limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS} times`,
        );
      url = parseUrl(new URL(location, url).href);
      continue;
    }
    if (!response.statusCode || response.statusCode < 200 || response.statusCode >= 300) {
      response.resume();
      throw importFailed(`${url.href} answered HTTP ${response.statusCode ?? '(no status)'}`);
    }
    try {
      return {
        bytes: await readBody(response, url, limits.maxBytes),
        mediaType: response.headers['content-type'],
        url,
      };
    } catch (error) {
      throw fetchFailure(error, url, limits, signal);
    }
  }
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw notAllowed(`${JSON.stringify(value.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw notAllowed(`Only http:// and https:// URLs can be imported (got ${url.protocol}//)`);
  if (url.username || url.password) throw notAllowed('URLs with a user name or password cannot be imported');
  return url;
}

/** The host's one address to connect to, after every address it resolves to passed the check. */
async function checkedAddress(url: URL, limits: FetchLimits): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  let addresses: Array<{ address: string; family: number }>;
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await (limits.resolver ?? systemResolver)(host);
    } catch {
      throw importFailed(`The host ${host} was not found`);
    }
    if (addresses.length === 0) throw importFailed(`The host ${host} was not found`);
  }
  if (!limits.allowHosts.includes(host)) {
    for (const { address } of addresses) {
      const problem = addressProblem(address);
      if (!problem) continue;
      // An address written in the URL tells the client nothing new, so its class is named.
      if (address === host)
        throw notAllowed(`${address} is ${problem}: Steward only imports from public addresses`);
      // The address a name resolves to maps the internal network: only the server log gets it.
      limits.logger?.info(
        { host, address, problem },
        'URL import refused: the host resolves to a non-public address',
      );
      throw notAllowed(
        `The URL is not allowed: ${host} resolves to a private or internal address, and Steward only imports from public addresses`,
      );
    }
  }
  return addresses[0]!;
}

function get(
  url: URL,
  address: { address: string; family: number },
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // The connection goes to the checked address whatever the host name resolves to by now.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
  const options: RequestOptions = {
    method: 'GET',
    lookup: pinned,
    signal,
    headers: {
      'user-agent': 'Steward knowledge import',
      accept: 'text/html, text/markdown, text/plain, application/pdf;q=0.9, */*;q=0.1',
      'accept-encoding': 'identity',
    },
  };
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, resolve);
    request.on('error', reject);
    request.end();
  });
}

class TooLargeError extends Error {}

async function readBody(response: IncomingMessage, url: URL, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new TooLargeError();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw new TooLargeError();
    }
    chunks.push(chunk);
  }
  if (!response.complete)
    throw importFailed(`${url.href} closed the connection before the whole document arrived`);
  return Buffer.concat(chunks);
}

function fetchFailure(error: unknown, url: URL, limits: FetchLimits, signal: AbortSignal): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TooLargeError)
    return new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'document_too_large',
      `The document at ${url.href} is larger than ${Math.floor(limits.maxBytes / 1024).toLocaleString('en')} KiB`,
    );
  // Aborting mid-body surfaces as a reset connection: the signal says what happened.
  if (signal.aborted)
    return importFailed(`${url.origin} did not send the document within ${limits.timeoutMs / 1000} s`);
  const code = (error as { code?: string }).code;
  return importFailed(`Could not fetch ${url.href}${code ? ` (${code})` : ''}`);
}

function notAllowed(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'url_not_allowed', message, [{ field: 'url', message }]);
}

function importFailed(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'import_failed', message, [{ field: 'url', message }]);
}
