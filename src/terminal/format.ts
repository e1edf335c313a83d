/**
 * Byte counts in binary units, `512 B`, `1.2 KiB`, `500 MiB`: the units devproxy counts in
 * everywhere else (`--max-body`, the inspector's MB, the demo's `?mb=`), so a 500 MiB download
 * reads 500 MiB, not 524 MB.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  // Compare the rounded value, so 1,048,575 B reads `1.0 MiB`, not `1024 KiB`.
  while (Math.round(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** `0.4ms`, `12ms`, `1.25s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 0.95) return `${ms.toFixed(1)}ms`
  if (ms < 999.5) return `${Math.round(ms)}ms`
  if (ms < 59_995) return `${(ms / 1000).toFixed(2)}s`
  // Round to whole seconds first so 119.6 s reads `2m00s`, not `1m60s`.
  const total = Math.round(ms / 1000)
  return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`
}

/** How long something lasted or has left, to the second: 500 → `500ms`, 30000 → `30s`, 90000 → `1m30s`, 3600000 → `1h`. */
export function formatSpan(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`
  const totalS = Math.round(ms / 1_000)
  const h = Math.floor(totalS / 3_600)
  const m = Math.floor((totalS % 3_600) / 60)
  const s = totalS % 60
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('')
}

/** `HH:MM:SS.mmm` in local time. */
export function formatClock(epochMs: number): string {
  // Every log line asks for this; the `HH:MM:SS.` part changes once a second (time zones are
  // whole minutes), so it is kept.
  const second = Math.floor(epochMs / 1000)
  if (second !== clock.second) {
    const d = new Date(second * 1000)
    clock.second = second
    clock.prefix = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`
  }
  const ms = Math.floor(epochMs) - second * 1000
  return `${clock.prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}`
}

const clock = { second: NaN, prefix: '' }

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}
