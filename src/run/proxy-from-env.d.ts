/** proxy-from-env 2 ships no types. */
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY and NO_PROXY, read from process.env now; `''` for none. */
  export function getProxyForUrl(url: string | URL): string
}
