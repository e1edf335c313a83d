const origins = new WeakMap<URL, string>()

/**
 * `url.origin`, worked out once per target URL: the getter builds a new string on every call,
 * and a new string is hashed again by every Map it is looked up in. Targets are the config's
 * own URL objects, so each request of a small response saves both (bench/RESULTS.md).
 */
export function originOf(url: URL): string {
  let origin = origins.get(url)
  if (origin === undefined) {
    origin = url.origin
    origins.set(url, origin)
  }
  return origin
}
