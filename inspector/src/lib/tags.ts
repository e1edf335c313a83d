/** The list's tag chips: a colour family per kind of tag, read from the tag's first word as the log writes it. */

export type TagTone = 'fault' | 'retry' | 'replay' | 'mock' | 'hook' | 'error' | 'other'

const TONES = new Set<TagTone>(['fault', 'retry', 'replay', 'mock', 'hook'])

export function tagTone(tag: string): TagTone {
  const word = tag.split(' ', 1)[0]!.toLowerCase() as TagTone
  if (TONES.has(word)) return word
  // Error types are snake_case: `upstream_timeout`, `no_route`.
  return /^[a-z]+(_[a-z]+)+$/.test(word) ? 'error' : 'other'
}
