/**
 * Runs the lab's `checks:` (in parallel) and gathers one row per check and node. Their reads of a node that
 * start together go out as one script whose sections run side by side (engine/probe-batch.ts): `lab check`,
 * grading and the re-verify after a reset cost one round trip per node, plus one for a check that must
 * read before it knows what to ask (the overlay's ping).
 */
import type { ResolvedLab } from '../lab/resolve.js'
import type { CheckStep } from '../lab/module-options.js'
import type { Guest, Facts } from '../modules/module.js'
import type { CheckOutcome } from './check.js'
import { CHECK_IMPLEMENTATIONS } from './index.js'
import { batchedAccess } from '../engine/probe-batch.js'

export interface CheckRow extends CheckOutcome {
  check: string
  index: number
}

export async function runChecks(lab: ResolvedLab, access: (node: string) => Promise<{ guest: Guest; facts: Facts }>): Promise<CheckRow[]> {
  const guest = batchedAccess(access, { parallel: true })
  const rows = await Promise.all(
    lab.checks.map(async (step: CheckStep, index) => {
      const impl = CHECK_IMPLEMENTATIONS[step.check] as (ctx: { lab: ResolvedLab; options: unknown; guest: typeof guest }) => Promise<CheckOutcome[]>
      try {
        const outcomes = await impl({ lab, options: step.options, guest })
        return outcomes.map((o) => ({ ...o, check: step.check, index }))
      } catch (err) {
        return [{ check: step.check, index, on: 'lab', passed: false, expected: 'the check to run', found: (err as Error).message.split('\n')[0]! }]
      }
    }),
  )
  return rows.flat()
}
