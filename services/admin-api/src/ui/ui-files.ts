import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the built dashboard lives unless STEWARD_UI_DIR says otherwise (same layout in the Docker image). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../admin-ui/dist', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** Vite names everything under assets/ by content hash: such a file never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed files: always ask whether it changed. */
const REVALIDATE = 'no-cache';
const SHORT = 'public, max-age=3600';

export interface UiFile {
  path: string;
  contentType: string;
  cacheControl: string;
}

/** The files of the built dashboard: what a URL path maps to, and the SPA's entry page. */
export class UiFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The entry page, or undefined when the dashboard has not been built. */
  async index(): Promise<UiFile | undefined> {
    return this.file(path.join(this.dir, 'index.html'));
  }

  /** The file at a URL path (`/assets/index-abc.js`), or undefined; never anything outside the folder. */
  async find(urlPath: string): Promise<UiFile | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const relative = path.posix.normalize(decoded).replace(/^\/+/, '');
    if (relative === '' || relative.split('/').some((segment) => segment.startsWith('.'))) return undefined;
    const absolute = path.join(this.dir, relative);
    if (!absolute.startsWith(`${this.dir}${path.sep}`)) return undefined;
    return this.file(absolute);
  }

  private async file(absolute: string): Promise<UiFile | undefined> {
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const relative = path.relative(this.dir, absolute).split(path.sep).join('/');
    const extension = path.extname(absolute).toLowerCase();
    return {
      path: absolute,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      cacheControl: relative === 'index.html' ? REVALIDATE : relative.startsWith('assets/') ? IMMUTABLE : SHORT,
    };
  }
}
