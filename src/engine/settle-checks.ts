/**
 * The lab's checks after a restore, run until they pass: the whole list once, then only the steps that
 * still fail (chrony reselecting its source is typically the last), so the wait ends as soon as the last
 * one passes instead of a full round later. A step that passed once after the restore counts as passed.
 */
import type { CheckRow } from '../checks/run-checks.js'
import { sleep } from '../util/sleep.js'

export interface SettleOptions {
  deadlineMs: number
  pauseMs?: number
  /** Told before each pause which rows still fail. */
  onWait?: (failing: CheckRow[]) => void
}

/** `run` runs the check steps at the given positions of the lab's list and returns their rows (with those positions). */
export async function checksUntilPassing(stepCount: number, run: (steps: number[]) => Promise<CheckRow[]>, opts: SettleOptions): Promise<CheckRow[]> {
  const deadline = Date.now() + opts.deadlineMs
  let rows = await run(Array.from({ length: stepCount }, (_, i) => i))
  for (;;) {
    const failing = rows.filter((r) => !r.passed)
    if (!failing.length || Date.now() > deadline) return rows
    opts.onWait?.(failing)
    await sleep(opts.pauseMs ?? 2000)
    const again = [...new Set(failing.map((r) => r.index))]
    const fresh = await run(again)
    rows = [...rows.filter((r) => !again.includes(r.index)), ...fresh].sort((a, b) => a.index - b.index)
  }
}
