/** Waiting for a cluster to settle: poll at a fixed pace until a check passes or the deadline comes. */
import { LabError } from '../../util/errors.js'
import { retryUntil, RetryTimeoutError } from '../../util/retry.js'

/** Thrown by a check that should be tried again; its message says what is still missing. */
export class NotYet extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotYet'
  }
}

export interface Pace {
  timeoutMs: number
  pollMs: number
}

/** Calls `check` until it returns; on timeout throws a LabError saying what was awaited and what was last seen. */
export async function waitUntil<T>(what: string, pace: Pace, check: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await retryUntil(() => check(), {
      deadlineMs: pace.timeoutMs,
      initialMs: pace.pollMs,
      maxMs: pace.pollMs,
      retryable: (e) => e instanceof NotYet,
    })
  } catch (error) {
    if (!(error instanceof RetryTimeoutError)) throw error
    const last = error.lastError instanceof Error ? error.lastError.message : String(error.lastError)
    throw new LabError(`${what} within ${Math.round(pace.timeoutMs / 1000)} s: ${last}`, hint === undefined ? {} : { hint })
  }
}
