/** An error answer of the inspector's API, as the UI keeps it (api-client.ts makes them). */

/** An answer other than 2xx, with the control API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Per-field problems with a posted fault, each with its suggestion. */
    readonly issues: readonly ApiIssue[] = [],
    /** The routes there are, when a fault names none of them. */
    readonly routes: readonly string[] = [],
  ) {
    super(message)
  }
}

export interface ApiIssue {
  readonly path?: string | undefined
  readonly message?: string | undefined
  readonly suggestion?: string | undefined
}
