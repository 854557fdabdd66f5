/** What `retryUntil` tells its caller before each wait (for progress lines). */
export interface RetryAttempt {
  /** 1 for the first try. */
  attempt: number
  elapsedMs: number
  /** Milliseconds left before the deadline when this attempt starts. */
  remainingMs: number
}

export interface RetryOptions {
  /** Give up this many milliseconds after the first attempt started. */
  deadlineMs: number
  /** First pause between attempts; it doubles after each failure. */
  initialMs?: number
  /** Longest pause between attempts. */
  maxMs?: number
  /** Errors worth another attempt; any other error is thrown at once. */
  retryable: (error: unknown) => boolean
  /** Retryable errors after which the next attempt starts without a pause (the attempt itself waited). */
  immediate?: (error: unknown) => boolean
  /** Called after each retryable failure, before the pause. */
  onRetry?: (info: RetryAttempt & { error: unknown; delayMs: number }) => void
  /** Stops waiting early (a VM that crashed will never answer). */
  signal?: AbortSignal
}

/** The deadline passed: keeps the last failure so that the caller can say why. */
export class RetryTimeoutError extends Error {
  readonly attempts: number
  readonly elapsedMs: number
  readonly lastError: unknown
  constructor(attempts: number, elapsedMs: number, lastError: unknown) {
    super(`gave up after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s: ${describeError(lastError)}`, {
      cause: lastError,
    })
    this.name = 'RetryTimeoutError'
    this.attempts = attempts
    this.elapsedMs = elapsedMs
    this.lastError = lastError
  }
}

/**
 * How long a hypervisor may keep a VM locked after the command before returned: VirtualBox's session lock
 * outlives a power-off by seconds on a loaded host, VMware lets go of a VM's files a moment after vmrun
 * returned. Vagrant's 3 × 1 s is too short for either; half a minute with back-off is not.
 */
export const LOCK_RETRY: Readonly<RetryPolicy> = { deadlineMs: 30_000, initialMs: 500, maxMs: 4000 }

/** The pauses and deadline of a retry, without what to retry. */
export type RetryPolicy = Required<Pick<RetryOptions, 'deadlineMs' | 'initialMs' | 'maxMs'>>

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Calls `fn` until it resolves, pausing with exponential back-off between retryable failures,
 * and throws RetryTimeoutError once the next attempt would start after the deadline.
 */
export async function retryUntil<T>(fn: (attempt: RetryAttempt) => Promise<T>, opts: RetryOptions): Promise<T> {
  const started = Date.now()
  const maxMs = opts.maxMs ?? 5000
  let delayMs = opts.initialMs ?? 500
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted()
    const elapsedMs = Date.now() - started
    const info: RetryAttempt = { attempt, elapsedMs, remainingMs: opts.deadlineMs - elapsedMs }
    try {
      return await fn(info)
    } catch (error) {
      if (!opts.retryable(error)) throw error
      const now = Date.now() - started
      const left = opts.deadlineMs - now
      if (left <= 0) throw new RetryTimeoutError(attempt, now, error)
      const pause = opts.immediate?.(error) ? 0 : Math.min(delayMs, maxMs, left)
      opts.onRetry?.({ ...info, elapsedMs: now, error, delayMs: pause })
      if (pause > 0) {
        await sleep(pause, opts.signal)
        delayMs = Math.min(delayMs * 2, maxMs)
      }
    }
  }
}

/**
 * retryUntil, but after the deadline it throws the last failure itself: a command that kept failing is
 * better explained by its own error (and hint) than by "gave up after N attempts".
 */
export async function retryOrLastError<T>(fn: (attempt: RetryAttempt) => Promise<T>, opts: RetryOptions): Promise<T> {
  try {
    return await retryUntil(fn, opts)
  } catch (error) {
    throw error instanceof RetryTimeoutError ? error.lastError : error
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
