/** The built preload beside this file (dist/run/preload.js), as the `file:` URL NODE_OPTIONS gets. */
export const PRELOAD_URL: string = new URL('./preload.js', import.meta.url).href
