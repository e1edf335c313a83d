/**
 * The tags a list row has room for: one chip per kind of tag, so a row that was retried twice
 * after two faults shows `fault ×2` and `retry 3/3` rather than four chips cut at the column's
 * edge. The detail (and the row's tooltip) lists every tag in full, as the log writes them. Pure.
 */
import { tagTone, type TagTone } from './tags.js'

export interface ListChip {
  readonly text: string
  readonly tone: TagTone
}

/** `retry 2/3 after 1ms: 504` → `retry 2/3`: the words before the explanation. */
export function shortTag(tag: string): string {
  return tag.replace(/ after .*$/, '').replace(/:.*$/, '')
}

export function listChips(tags: readonly string[]): ListChip[] {
  const groups = new Map<string, string[]>()
  for (const tag of tags) {
    const kind = tag.split(' ', 1)[0]!.toLowerCase()
    groups.set(kind, [...(groups.get(kind) ?? []), tag])
  }
  return [...groups].map(([kind, group]) => {
    const last = group[group.length - 1]!
    const tone = tagTone(last)
    // A retry tag counts the attempts itself (`retry 3/3`); others say how many there were.
    const text = group.length === 1 || tone === 'retry' ? shortTag(last) : `${kind} ×${group.length}`
    return { text, tone }
  })
}
