import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PAGE_HEADERS, uiMissingPage, type Page } from './pages.js'

/**
 * The inspector's user interface: the static files `npm run build` writes (inspector/, built
 * with Vite), found relative to the package as the templates are, so an installed devproxy
 * serves its own copy. Only `index.html`, `assets/**` and icons at the top are served: the
 * directory also holds the compiled server modules of src/inspector.
 */
export const UI_DIR = fileURLToPath(new URL('../../dist/inspector-ui/', import.meta.url))

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

/** Files at the top of the UI directory that are served (Vite copies `public/` there). */
const TOP_LEVEL = new Set(['.svg', '.png', '.webp', '.ico', '.txt', '.webmanifest'])

/**
 * The page's own scripts and styles only: a transaction body that holds markup is data to the
 * UI, and were it ever rendered as HTML by mistake, its scripts would still not run.
 */
const UI_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/** A path segment of a file the UI has: no `..`, no dot files, nothing percent-encoded. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/** The answer for `/inspector/<path>`; `path` as it came (still percent-encoded). */
export async function readUiFile(path: string, dir = UI_DIR): Promise<Page> {
  const segments = path === '' ? [] : path.split('/')
  const last = segments.at(-1) ?? ''
  const isAsset = segments[0] === 'assets' && segments.length > 1
  const isIcon = segments.length === 1 && TOP_LEVEL.has(extname(last))
  if ((isAsset || isIcon) && segments.every((segment) => SEGMENT.test(segment))) {
    const file = await readFile(join(dir, ...segments)).catch(() => undefined)
    if (file === undefined) return notFound(path)
    return {
      status: 200,
      raw: file,
      headers: {
        'content-type': CONTENT_TYPES[extname(last)] ?? 'application/octet-stream',
        // Vite puts a content hash in every asset name: a new build has new names.
        'cache-control': isAsset ? 'private, max-age=31536000, immutable' : 'no-cache',
      },
    }
  }
  // The UI's own paths (`/inspector/`, a client-side route such as `/inspector/tx/12`): its page.
  if (segments.length > 0 && last !== 'index.html' && last.includes('.')) return notFound(path)
  const index = await readFile(join(dir, 'index.html')).catch(() => undefined)
  if (index === undefined) return uiMissingPage(dir)
  return { status: 200, raw: index, headers: { ...PAGE_HEADERS, 'content-security-policy': UI_POLICY } }
}

function notFound(path: string): Page {
  return { status: 404, raw: `no such file in the inspector: ${path}\n`, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } }
}
