/** Tags as the log writes them (`fault 5xx 503`, `retry`, `mock`…), one chip each, coloured by kind. */
import { tagTone } from '../lib/tags.js'

export function TagChips({ tags }: { readonly tags: readonly string[] }) {
  return (
    <>
      {tags.map((tag, i) => (
        <span key={i} class={`tag tag-${tagTone(tag)}`}>
          {tag}
        </span>
      ))}
    </>
  )
}
