/** A lab check: asks the nodes whether an exercise is done, and says what it expected and what it found. */
import type { ResolvedLab } from '../lab/resolve.js'
import type { Guest, Facts } from '../modules/module.js'

export interface CheckOutcome {
  /** Where it was checked (a node name, or "lab"). */
  on: string
  passed: boolean
  expected: string
  found: string
}

export interface CheckContext<O> {
  lab: ResolvedLab
  options: O
  guest(node: string): Promise<{ guest: Guest; facts: Facts }>
}

export type Check<O> = (ctx: CheckContext<O>) => Promise<CheckOutcome[]>
