/**
 * The layout of the memory the proxy's thread shares with the route-code watchdog
 * (route-code-watch.ts writes it, watchdog-worker.ts reads it): an Int32Array of CELLS cells,
 * then STACK_BYTES for the proxy thread's stack when the watchdog asks for it.
 */
export const CELL = {
  /** The call of route code in progress (changes with every call); 0: none. */
  call: 0,
  /** Its label's id (RouteCodeLabel). */
  label: 1,
  /** Counts up every BEAT_MS while the event loop turns. */
  beat: 2,
  /** 1 once the stack has been written for the watchdog. */
  stackReady: 3,
  /** Bytes of it. */
  stackLength: 4,
} as const
export const CELLS = 8
/** Room for the stack of the proxy's thread, UTF-8. */
export const STACK_BYTES = 16 * 1024
/** What the watchdog evaluates on the proxy's thread to have its stack written. */
export const CAPTURE_STACK = 'devproxy.captureRouteCodeStack'
