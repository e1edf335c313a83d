/**
 * An image body, previewed from a blob: URL made from its bytes, typed by their signature (never
 * by the traffic's content type: an "image" that is really SVG or HTML is not shown as one).
 */
import { useEffect, useState } from 'preact/hooks'

export interface ImagePreviewProps {
  readonly bytes: Uint8Array
  /** From body.ts's sniffImageType. */
  readonly imageType: string
}

export function ImagePreview({ bytes, imageType }: ImagePreviewProps) {
  const [url, setUrl] = useState<string | null>(null)
  const [size, setSize] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    const objectUrl = URL.createObjectURL(new Blob([bytes.slice()], { type: imageType }))
    setUrl(objectUrl)
    return () => URL.revokeObjectURL(objectUrl)
  }, [bytes, imageType])

  if (url === null) return null
  return (
    <div class="image-preview">
      {failed ? (
        <p class="muted">The browser could not decode this {imageType} (a truncated capture, perhaps).</p>
      ) : (
        <img
          src={url}
          alt="Preview of the body"
          onLoad={(event) => {
            const image = event.currentTarget as HTMLImageElement
            setSize(`${image.naturalWidth} × ${image.naturalHeight}`)
          }}
          onError={() => setFailed(true)}
        />
      )}
      <p class="muted small">
        {imageType}
        {size !== null ? `, ${size}` : ''}
      </p>
    </div>
  )
}
