/**
 * `NODE_OPTIONS` with `--import <preload>` added after what the user already has. Pure.
 *
 * Node splits NODE_OPTIONS on white space outside double quotes, and inside them reads `\` as
 * an escape (src/node_options.cc, ParseNodeOptionsEnvVar); single quotes mean nothing to it. So a
 * specifier with a space, a `"` or a `\` is written in double quotes with those two escaped.
 */
export function withImport(nodeOptions: string | undefined, specifier: string): string {
  const option = `--import ${quoteNodeOption(specifier)}`
  const current = (nodeOptions ?? '').trim()
  // Already there: a `devproxy run` inside another, or the user's own shell set it.
  if (current.split(/\s+/).some((word, i, words) => word === '--import' && unquote(words[i + 1] ?? '') === specifier) || current.includes(option)) return current
  return current === '' ? option : `${current} ${option}`
}

export function quoteNodeOption(value: string): string {
  return /[\s"\\]/.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : value
}

function unquote(word: string): string {
  return word.startsWith('"') && word.endsWith('"') ? word.slice(1, -1).replace(/\\(.)/g, '$1') : word
}
