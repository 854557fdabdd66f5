/** After a restore: every check once, then only the steps still failing, until they pass or time runs out. */
import t from 'tap'
import { checksUntilPassing } from '../../src/engine/settle-checks.js'
import type { CheckRow } from '../../src/checks/run-checks.js'

const row = (index: number, passed: boolean, on = 'master'): CheckRow => ({ index, check: `c${index}`, on, passed, expected: 'x', found: passed ? 'x' : 'y' })

t.test('reruns only the failing steps, keeps the rest, returns rows in the lab order', async (t) => {
  const calls: number[][] = []
  let chronyReady = 2
  const run = async (steps: number[]) => {
    calls.push(steps)
    // Step 1 (two rows, like chrony on two nodes) passes on its third run; the others pass at once.
    return steps.flatMap((i) => (i === 1 ? [row(1, chronyReady-- <= 0, 'node1'), row(1, true, 'node2')] : [row(i, true)]))
  }
  const waits: number[] = []
  const rows = await checksUntilPassing(3, run, { deadlineMs: 10_000, pauseMs: 1, onWait: (f) => waits.push(f.length) })
  t.same(calls, [[0, 1, 2], [1], [1]], 'the whole list once, then only step 1')
  t.same(waits, [1, 1])
  t.same(
    rows.map((r) => [r.index, r.on, r.passed]),
    [
      [0, 'master', true],
      [1, 'node1', true],
      [1, 'node2', true],
      [2, 'master', true],
    ],
  )
})

t.test('past the deadline: the last rows, failing ones included', async (t) => {
  let runs = 0
  const rows = await checksUntilPassing(2, async (steps) => (runs++, steps.map((i) => row(i, i === 0))), { deadlineMs: 30, pauseMs: 10 })
  t.ok(runs >= 2, `${runs} runs`)
  t.same(
    rows.map((r) => r.passed),
    [true, false],
  )
})

t.test('all passing at once: one run, no wait', async (t) => {
  let runs = 0
  const rows = await checksUntilPassing(2, async (steps) => (runs++, steps.map((i) => row(i, true))), { deadlineMs: 10_000, onWait: () => t.fail('no wait') })
  t.equal(runs, 1)
  t.equal(rows.length, 2)
})
