import type { ConfigChange } from '../config/diff.js'
import type { ReloadEvent } from '../config/live-reload.js'
import type { Palette } from '../terminal/palette.js'
import { fitColumns } from '../terminal/text-width.js'

/**
 * What a reload printed: one headline, then a line per change, colored like a diff
 * (`+` added, `-` removed, `~` changed).
 */
export function formatReload(event: ReloadEvent, name: string, palette: Palette): string[] {
  if (event.type === 'invalid') {
    const message = event.error instanceof Error ? event.error.message : String(event.error)
    return [
      `${palette.error('✗')} ${palette.bold(name)} has errors; still serving the last good config`,
      ...message.split('\n').map((line) => `  ${palette.error(line)}`),
    ]
  }
  const counts = countChanges(event.changes)
  const headline = `${palette.ok('↻')} ${palette.bold(name)} reloaded${event.recovered ? ' (fixed)' : ''}: ${counts || 'no changes'}`
  return [headline, ...event.changes.flatMap((change) => formatChange(change, palette))]
}

function formatChange(change: ConfigChange, palette: Palette): string[] {
  switch (change.kind) {
    case 'added':
      return [palette.ok(`  + ${change.route}  ${change.summary}`)]
    case 'removed':
      return [palette.error(`  - ${change.route}  ${change.summary}`)]
    case 'changed':
      return [
        palette.warn(`  ~ ${change.route}`),
        ...change.fields.map((f) => `      ${f.field}: ${palette.dim(shorten(f.before))} → ${shorten(f.after)}`),
      ]
    case 'listen':
      return [palette.warn(`  ! ${change.field} ${change.before} → ${change.after} takes effect after a restart (still on ${change.before})`)]
    case 'setting':
      return [`${palette.warn('  ~')} ${change.field}: ${palette.dim(shorten(change.before))} → ${shorten(change.after)}`]
    case 'restart':
      return [palette.warn(`  ! ${change.field}: ${shorten(change.before)} → ${shorten(change.after)} takes effect after a restart`)]
  }
}

function countChanges(changes: readonly ConfigChange[]): string {
  const count = (...kinds: Array<ConfigChange['kind']>) => changes.filter((c) => kinds.includes(c.kind)).length
  return [
    [count('added'), 'added'],
    [count('removed'), 'removed'],
    [count('changed', 'setting'), 'changed'],
    [count('listen', 'restart'), 'needs restart'],
  ]
    .filter(([n]) => n !== 0)
    .map(([n, label]) => `${n} ${label}`)
    .join(', ')
}

/** Function bodies and long header lists stay on one line, of `max` columns at most. */
function shorten(text: string, max = 80): string {
  return fitColumns(text.replace(/\s+/g, ' '), max)
}
