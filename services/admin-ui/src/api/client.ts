/**
 * The admin API as the dashboard calls it: JSON under /api/v1 with the session cookie, the
 * CSRF header on every request that changes something, and errors as ApiRequestError.
 */
export const API_BASE = '/api/v1';
const CSRF_COOKIE = 'steward_csrf';
const CSRF_HEADER = 'X-CSRF-Token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An error answer of the API: `{ error: { code, message, details? } }`. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** This server has no such route yet (or the resource is gone): pages show an empty state. */
  get isMissing(): boolean {
    return this.status === 404;
  }

  /** The tenant's plan does not include the feature; `details.requiredPlan` names the plan that does. */
  get requiredPlan(): string | undefined {
    if (this.code !== 'plan_required') return undefined;
    const details = this.details as { requiredPlan?: unknown } | undefined;
    return typeof details?.requiredPlan === 'string' ? details.requiredPlan : 'standard';
  }
}

export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Headers every request carries; unsafe methods add the CSRF token the session cookie requires. */
export function requestHeaders(method: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (json) headers['Content-Type'] = 'application/json';
  const token = UNSAFE_METHODS.has(method) ? csrfToken() : undefined;
  if (token) headers[CSRF_HEADER] = token;
  return headers;
}

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${API_BASE}${path}`, {
    method,
    credentials: 'same-origin',
    headers: { ...requestHeaders(method, body !== undefined), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readResponse<T>(response.status, await response.text());
}

export function readResponse<T>(status: number, text: string): T {
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  throw new ApiRequestError(status, error?.code ?? `http_${status}`, error?.message ?? `HTTP ${status}`, error?.details);
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
  api<T>('POST', path, body ?? {}, headers);

/**
 * A fresh `Idempotency-Key`: the same key on a repeated request makes the server act once. From
 * getRandomValues, which (unlike randomUUID) works on a dashboard served over plain http too.
 */
export function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const remove = <T = void>(path: string) => api<T>('DELETE', path);

/**
 * Uploads a file as multipart form data, reporting upload progress (0..1); fetch cannot
 * report the progress of a request body, XMLHttpRequest can.
 */
export function uploadFile<T>(path: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${API_BASE}${path}`);
    request.withCredentials = true;
    for (const [name, value] of Object.entries(requestHeaders('POST', false))) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      try {
        resolve(readResponse<T>(request.status, request.responseText));
      } catch (error) {
        reject(error);
      }
    };
    request.onerror = () => reject(new ApiRequestError(0, 'network_error', 'The server could not be reached'));
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}
