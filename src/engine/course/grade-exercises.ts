/**
 * Grading: every check of the asked exercises runs at once (runChecks batches their reads), so the probes
 * of the whole course share one round trip per node. A check passes when it passes on every node
 * it looks at; its points count only then.
 */
import type { ResolvedLab } from '../../lab/resolve.js'
import { textIn, type Exercise } from '../../lab/exercises.js'
import type { Guest, Facts } from '../../modules/module.js'
import { runChecks } from '../../checks/run-checks.js'
import { scoreOf, type ExerciseResult } from '../../grading/result.js'

type Access = (node: string) => Promise<{ guest: Guest; facts: Facts }>

export async function gradeExercises(lab: ResolvedLab, exercises: Exercise[], access: Access, lang = 'en'): Promise<ExerciseResult[]> {
  const all = exercises.flatMap((ex) => ex.checks.map((c) => ({ ex, c })))
  const rows = await runChecks({ ...lab, checks: all.map(({ c }) => ({ check: c.check, options: c.options }) as (typeof lab.checks)[number]) }, access)
  return exercises.map((ex) => {
    const checks = ex.checks.map((c, index) => {
      const at = all.findIndex((a) => a.ex === ex && a.c === c)
      const outcomes = rows.filter((r) => r.index === at).map(({ on, passed, expected, found }) => ({ on, passed, expected, found }))
      const passed = outcomes.length > 0 && outcomes.every((o) => o.passed)
      const failing = outcomes.find((o) => !o.passed)
      const message = passed ? '' : c.message !== undefined ? textIn(c.message, lang) : failing ? `expected ${failing.expected}` : 'the check found nothing to look at'
      return { check: c.check, index, points: c.points, passed, message, outcomes }
    })
    const { score, max } = scoreOf(checks)
    return { id: ex.id, title: textIn(ex.title, lang), score, max, passed: checks.every((c) => c.passed), checks }
  })
}
