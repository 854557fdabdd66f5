/** Bundles as `lab submit` makes them, for the grading tests: a lab of three exercises, scores chosen per student. */
import { makeBundle } from '../../src/grading/bundle.js'
import type { ExerciseResult, ResultBundle } from '../../src/grading/result.js'

export const LAB_DIGEST = 'a'.repeat(64)

const EXERCISES = [
  { id: 'swarm', title: 'Build the swarm', points: [2, 1] },
  { id: 'service', title: 'Run the web service', points: [1, 1, 1] },
  { id: 'rollback', title: 'Roll back an update', points: [2] },
]

/** `passed[i]` lists, per check of exercise i, whether it passed (all pass when left out). */
export function sampleBundle(opts: { student: string; at?: string; lab?: string; labDigest?: string; passed?: boolean[][]; found?: string }): ResultBundle {
  const exercises: ExerciseResult[] = EXERCISES.map((e, i) => {
    const checks = e.points.map((points, index) => {
      const passed = opts.passed?.[i]?.[index] ?? true
      return {
        check: index === 0 ? 'swarm' : 'service',
        index,
        points,
        passed,
        message: passed ? '' : `${e.id} check ${index + 1}: not done yet`,
        outcomes: [{ on: 'master', passed, expected: 'ready: 3', found: passed ? 'ready: 3' : (opts.found ?? 'ready: 1') }],
      }
    })
    const score = checks.filter((c) => c.passed).reduce((s, c) => s + c.points, 0)
    const max = checks.reduce((s, c) => s + c.points, 0)
    return { id: e.id, title: e.title, score, max, passed: score === max, checks }
  })
  return makeBundle({
    lab: opts.lab ?? 'swarm-course',
    labDigest: opts.labDigest ?? LAB_DIGEST,
    student: opts.student,
    tool: { name: 'vmlab', version: '0.1.0' },
    at: opts.at ?? '2026-12-01T10:00:00.000Z',
    exercises,
  })
}
