import type { OutgoingHttpHeaders } from 'node:http'

/**
 * The few pages the control server writes itself, for a browser that reached the inspector
 * without a session or before the UI was built. Static text, nothing from the request in them
 * but an escaped message, and no script: they never log anyone in.
 */

/** What every HTML answer of the inspector carries: never framed (clickjacking), never cached, no Referer with a token in it. */
export const PAGE_HEADERS: Readonly<OutgoingHttpHeaders> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/** For the pages below: no script, no request anywhere but its own inline style. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export interface Page {
  readonly status: number
  readonly raw: string | Buffer
  readonly headers: OutgoingHttpHeaders
}

/** A page request refused (403: a foreign Host or Origin), saying how to sign in. */
export function signInPage(status: number, message: string): Page {
  return page(
    status,
    'devproxy inspector: sign in',
    `<p>${escapeHtml(message)}</p>
<p>Open the inspector URL that <code>devproxy start</code> printed (<code>inspector: http://127.0.0.1:…/inspector/login#token=…</code>),
or run <code>devproxy status</code> in the project's directory for a new one. Each link works once.</p>`,
  )
}

export function uiMissingPage(dir: string): Page {
  return page(
    503,
    'devproxy inspector: not built',
    `<p>The inspector's user interface is not built: ${escapeHtml(dir)} has no index.html.</p>
<p>Run <code>npm run build</code> in devproxy's directory, then reload this page.</p>`,
  )
}

function page(status: number, title: string, body: string): Page {
  const raw = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`
  return { status, raw, headers: { ...PAGE_HEADERS, 'content-security-policy': PAGE_POLICY } }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
