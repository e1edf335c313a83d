/** A body parsed as JSON for a hook; what is wrong said the same way for requests and responses. */
export function parseJsonBody(body: Uint8Array | undefined, whose: 'request' | 'response'): unknown {
  const text = body === undefined ? '' : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new SyntaxError(`the ${whose} body is not JSON${text === '' ? ' (it is empty)' : ''}: ${(error as Error).message}`, { cause: error })
  }
}
