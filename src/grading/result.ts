/** What `lab submit` hands in and `lab grade` reads: the results of one student's checks, per exercise. */
import type { CheckOutcome } from '../checks/check.js'

export interface CheckResult {
  check: string
  index: number
  points: number
  passed: boolean
  /** learner-facing */
  message: string
  outcomes: CheckOutcome[]
}

export interface ExerciseResult {
  id: string
  title: string
  score: number
  max: number
  passed: boolean
  checks: CheckResult[]
}

export interface ResultBundle {
  format: 'vmlab-result/1'
  lab: string
  /** sha256 of the lab file's text */
  labDigest: string
  student: string
  tool: { name: 'vmlab'; version: string }
  at: string /* ISO time */
  exercises: ExerciseResult[]
  total: { score: number; max: number }
  digest: string
}

/** An exercise's score: the points of its passed checks, out of all its checks' points. */
export function scoreOf(checks: ReadonlyArray<Pick<CheckResult, 'points' | 'passed'>>): { score: number; max: number } {
  return checks.reduce((t, c) => ({ score: t.score + (c.passed ? c.points : 0), max: t.max + c.points }), { score: 0, max: 0 })
}
