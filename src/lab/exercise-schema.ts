/**
 * The course part of a lab file: `variables:` (values that differ per student) and `exercises:` (what the
 * student does, how it is graded, how it is solved). Module and check entries inside are checked one by one
 * in exercises.ts, as the lab's own are in load.ts, so that errors point at the entry.
 */
import { z } from 'zod'
import { labelSchema } from './name-rules.js'

/** Text in the course's languages: English always (the fallback), Chinese as the notes are written. */
export const textSchema = z.union([z.string().min(1), z.strictObject({ en: z.string().min(1), zh: z.string().min(1).optional() })]).meta({ description: 'one text, or { en: …, zh: … }' })

const scalar = z.union([z.string().min(1), z.number()])

export const variableSchema = z
  .union([
    z.strictObject({ choices: z.array(scalar).min(1, { error: 'give at least one choice' }) }),
    z.strictObject({
      range: z.tuple([z.number().int(), z.number().int()]).refine(([lo, hi]) => lo <= hi, { error: 'a range goes from the lower number to the higher, e.g. [3, 6]' }),
    }),
  ])
  .meta({ description: 'a per-student value: one of `choices`, or an integer in `range` [lo, hi]' })

export const exerciseSchema = z.strictObject({
  // Its stage snapshot is `stage-<id>`: snapshot names hold 64 characters.
  id: labelSchema('exercise id').refine((s) => s.length <= 40, { error: 'an exercise id has at most 40 characters' }),
  title: textSchema,
  task: textSchema.meta({ description: 'what the student must achieve (Markdown); {{ name }} shows their value of a variable' }),
  given: z.array(z.unknown()).default([]).meta({ description: 'modules applied before the student starts (on top of the earlier exercises’ solutions)' }),
  checks: z.array(z.unknown()).min(1, { error: 'an exercise needs at least one check to be graded' }),
  solution: z.array(z.unknown()).default([]).meta({ description: 'modules (exec steps included) that solve it: lab solve, and the course tests' }),
})

export type Text = z.output<typeof textSchema>
export type VariableSpec = z.output<typeof variableSchema>
export type ExerciseFile = z.output<typeof exerciseSchema>

/** Keys a graded check entry has besides its check. */
export const GRADE_KEYS = ['points', 'message'] as const

export const gradeSchema = z.strictObject({
  points: z.number().int().min(0).max(1000).default(1),
  message: textSchema.optional().meta({ description: 'what the learner sees when it fails: what is missing, not the answer' }),
})
