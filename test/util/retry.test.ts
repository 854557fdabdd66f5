import t from 'tap'
import { retryOrLastError, retryUntil, RetryTimeoutError } from '../../src/util/retry.js'

const notYet = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
const retryable = (e: unknown): boolean => (e as { code?: string }).code === 'ECONNREFUSED'

t.test('retries with doubling pauses capped at maxMs, then returns the value', async (t) => {
  const pauses: number[] = []
  let calls = 0
  const value = await retryUntil(
    async ({ attempt }) => {
      calls++
      t.equal(attempt, calls)
      if (calls < 5) throw notYet()
      return 'up'
    },
    { deadlineMs: 5000, initialMs: 10, maxMs: 40, retryable, onRetry: ({ delayMs }) => pauses.push(delayMs) },
  )
  t.equal(value, 'up')
  t.same(pauses, [10, 20, 40, 40])
})

t.test('an error marked immediate is retried without a pause, and does not grow the back-off', async (t) => {
  const pauses: number[] = []
  let calls = 0
  const silent = Object.assign(new Error('silent'), { code: 'ECONNREFUSED', silent: true })
  await retryUntil(
    async () => {
      calls++
      if (calls <= 2) throw silent
      if (calls <= 4) throw notYet()
      return 'up'
    },
    { deadlineMs: 5000, initialMs: 10, maxMs: 40, retryable, immediate: (e) => (e as { silent?: boolean }).silent === true, onRetry: ({ delayMs }) => pauses.push(delayMs) },
  )
  t.same(pauses, [0, 0, 10, 20])
})

t.test('a non-retryable error is thrown at once', async (t) => {
  let calls = 0
  const fatal = new Error('host key mismatch')
  await t.rejects(
    retryUntil(
      async () => {
        calls++
        throw fatal
      },
      { deadlineMs: 5000, initialMs: 10, retryable },
    ),
    fatal,
  )
  t.equal(calls, 1)
})

t.test('the deadline ends the wait with the last error and the attempt count', async (t) => {
  const started = Date.now()
  const error = await retryUntil(
    async () => {
      throw notYet()
    },
    { deadlineMs: 300, initialMs: 20, maxMs: 50, retryable },
  ).catch((e: unknown) => e)
  const elapsed = Date.now() - started
  t.type(error, RetryTimeoutError)
  const timeout = error as RetryTimeoutError
  t.match(timeout.message, /gave up after \d+ attempts in 0 s: connect ECONNREFUSED/)
  t.equal((timeout.lastError as Error).message, 'connect ECONNREFUSED')
  // A busy machine fires timers late: fewer attempts, a later stop; what matters is that it retried and stopped.
  t.ok(timeout.attempts >= 2, `${timeout.attempts} attempts`)
  t.ok(elapsed >= 300 && elapsed < 3000, `stopped at the deadline (${elapsed} ms)`)
})

t.test('an abort signal stops the wait during a pause', async (t) => {
  const controller = new AbortController()
  setTimeout(() => controller.abort(new Error('VM stopped')), 50)
  const started = Date.now()
  await t.rejects(
    retryUntil(
      async () => {
        throw notYet()
      },
      { deadlineMs: 10_000, initialMs: 5000, retryable, signal: controller.signal },
    ),
    { message: 'VM stopped' },
  )
  t.ok(Date.now() - started < 4000, 'not after the 5 s pause')
})

t.test('retryOrLastError ends with the last failure itself, not the wrapper', async (t) => {
  let calls = 0
  const error = await retryOrLastError(
    async () => {
      calls++
      throw notYet()
    },
    { deadlineMs: 100, initialMs: 10, maxMs: 20, retryable },
  ).catch((e: unknown) => e)
  t.notOk(error instanceof RetryTimeoutError)
  t.equal((error as Error).message, 'connect ECONNREFUSED')
  t.ok(calls >= 2, `retried (${calls} calls)`)
  t.equal(await retryOrLastError(async () => 'ok', { deadlineMs: 100, retryable }), 'ok')
})
