import type { ServerResponse } from 'node:http'

/** Waits before the next attempt; false if the client went away meanwhile. */
export function backoff(delayMs: number, ctx: { readonly res: ServerResponse }): Promise<boolean> {
  if (ctx.res.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      ctx.res.off('close', onClose)
      resolve(true)
    }, delayMs)
    ctx.res.once('close', onClose)
  })
}
