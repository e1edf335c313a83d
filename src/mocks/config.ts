import type { ConfigFeature } from '../config/feature.js'
import type { ResolvedRoute } from '../config/types.js'
import { checkMocks } from './validate-mocks.js'

/**
 * A route's `mock` field of proxy.config.ts (types: config-types.ts): checked when the config
 * loads (validate-mocks.ts), always an array once resolved. A route with mocks may have no
 * `target`: what no mock answers is refused (404 `mock_unmatched`).
 */
export const mocksConfig: ConfigFeature<never, 'mocks'> = {
  name: 'mocks',
  route: {
    fields: { mock: checkMocks },
    resolve: ({ mock }) => ({ mocks: Object.freeze(mock === undefined ? [] : Array.isArray(mock) ? [...mock] : [mock]) }),
    rows: { mocks: [['mock', (route) => describeMocks(route.mocks)]] },
    answersWithoutTarget: (route) => route.mock !== undefined,
  },
  types: [{ url: new URL('./config-types', import.meta.url) }],
}

/** Mocks by their data, functions by their source. */
function describeMocks(mocks: ResolvedRoute['mocks']): string {
  if (mocks.length === 0) return 'none'
  return JSON.stringify(mocks, (_key, value: unknown) => (typeof value === 'function' ? value.toString() : value instanceof Uint8Array ? `<${value.length} bytes>` : value))
}
