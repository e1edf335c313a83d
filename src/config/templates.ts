import { fileURLToPath } from 'node:url'

/**
 * The starter configs `devproxy init` writes. Each one is a file in `templates/` at the
 * package root, shipped as-is (see `files` in package.json).
 */

export const TEMPLATES = {
  basic: 'One service (localhost:3000) behind the proxy on :8080.',
  'spa-api': 'A Vite app (:5173) and its API (:3000) under one origin.',
  microservices: 'Several services under one origin, routed by path and host.',
  'auth-hook': 'An API (:3000) with a dev Authorization header added.',
  'mock-api': 'Mocks for endpoints not built yet; the rest goes to :3000.',
  'sse-transform': 'A server-sent-events stream rewritten event by event.',
} as const satisfies Record<string, string>

export type TemplateName = keyof typeof TEMPLATES

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[]

export const DEFAULT_TEMPLATE: TemplateName = 'basic'

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name)
}

/** `templates/` at the package root: `../../templates` from both `src/config/` and `dist/config/`. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url))

/** The absolute path of a template's source file. */
export function templatePath(name: TemplateName): string {
  return fileURLToPath(new URL(`../../templates/${name}.ts`, import.meta.url))
}
