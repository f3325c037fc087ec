import type { AdminApi } from './support.js';

/** A parsed JSON response body; tests probe its shape with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = any;

export interface BrowserResponse {
  status: number;
  body: JsonBody;
  headers: Headers;
}

/**
 * What the dashboard's page does: keeps the cookies the API sets and sends the CSRF cookie's
 * value back as X-CSRF-Token on unsafe methods (unless told not to).
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly api: AdminApi) {}

  async request(
    method: string,
    path: string,
    options: { body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const csrf = this.cookies.get('steward_csrf');
    if (csrf && (options.csrf ?? true) && !['GET', 'HEAD'].includes(method)) headers['x-csrf-token'] = csrf;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.api.httpUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator);
      const value = pair!.slice(separator + 1);
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let body: JsonBody = null;
    if (text) body = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    return { status: response.status, body, headers: response.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, body?: unknown, options: { csrf?: boolean } = {}) {
    return this.request('POST', path, { body, ...options });
  }

  async signUp(
    email: string,
    tenantName: string,
    password = 'correct horse battery',
  ): Promise<BrowserResponse> {
    const response = await this.post('/api/v1/auth/signup', { email, password, tenantName });
    if (response.status !== 201)
      throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  }
}
