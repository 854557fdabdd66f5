/**
 * Reading `exercises:`: each exercise's text, its `given` and `solution` module entries and its graded check
 * entries (a check with `points` and a learner `message`), with every problem located in the lab file. One
 * student's exercises are these with that student's values put in (variables.ts).
 */
import type { LabFile } from './schema.js'
import { exerciseSchema, GRADE_KEYS, gradeSchema, type Text } from './exercise-schema.js'
import { MODULES, CHECKS, type CheckStep, type ModuleStep } from './module-options.js'
import { parseEntries, type Entry } from './entries.js'
import { issuesToProblems } from './zod-issues.js'
import { entryProblems } from './validate.js'
import { labFilesProblems } from './lab-files.js'
import { studentValues, substitute, type Values } from './variables.js'
import { LabFileError, type Problem } from './problems.js'
import { InputError } from '../util/errors.js'
import type { ResolvedLab } from './resolve.js'
import { excerpt } from './excerpt.js'

export type GradedCheck = CheckStep & { points: number; message?: Text }

export interface Exercise {
  id: string
  title: Text
  task: Text
  given: ModuleStep[]
  checks: GradedCheck[]
  solution: ModuleStep[]
}

export interface ExerciseReadOptions {
  filesDir?: string
  missingFilesOk?: boolean
}

const moduleStep = (e: Entry) => ({ module: e.name, options: e.options }) as ModuleStep

/** A graded check entry without its grading keys (what parseEntries reads), and those keys. */
function splitGrade(raw: unknown): { entry: unknown; grade: Record<string, unknown> } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { entry: raw, grade: {} }
  const entry: Record<string, unknown> = {}
  const grade: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) ((GRADE_KEYS as readonly string[]).includes(k) ? grade : entry)[k] = v
  return { entry, grade }
}

export function parseExercises(list: unknown[], values: Values, lab: LabFile, problems: Problem[], opts: ExerciseReadOptions = {}): Exercise[] {
  const out: Exercise[] = []
  const seen = new Map<string, number>()
  const names = Object.keys(values)
  list.forEach((raw, i) => {
    const at = ['exercises', i]
    const unknown: Array<{ path: ReadonlyArray<string | number>; name: string }> = []
    const data = substitute(raw, values, at, unknown)
    for (const u of unknown) {
      problems.push({
        path: [...u.path],
        message: `no variable named '${excerpt(u.name)}'`,
        hint: names.length ? `the course's variables: ${names.join(', ')}` : 'declare it under variables: at the top of the lab file, or write the value itself',
      })
    }
    const parsed = exerciseSchema.safeParse(data)
    if (!parsed.success) {
      problems.push(...issuesToProblems(parsed.error.issues, exerciseSchema, data, at))
      return
    }
    const ex = parsed.data
    const first = seen.get(ex.id)
    if (first !== undefined) problems.push({ path: [...at, 'id'], message: `exercise id '${ex.id}' is used twice`, hint: `exercises[${first}] has it already; ids must be unique` })
    else seen.set(ex.id, i)
    const given = parseEntries(ex.given, MODULES, 'modules', problems, [...at, 'given'])
    const solution = parseEntries(ex.solution, MODULES, 'modules', problems, [...at, 'solution'])
    const split = ex.checks.map(splitGrade)
    const checks = parseEntries(
      split.map((s) => s.entry),
      CHECKS,
      'checks',
      problems,
      [...at, 'checks'],
    )
    const grades = split.map((s, j) => {
      const g = gradeSchema.safeParse(s.grade)
      if (!g.success) {
        problems.push(...issuesToProblems(g.error.issues, gradeSchema, s.grade, [...at, 'checks', j]))
        return { points: 1 }
      }
      return g.data
    })
    entryProblems(lab, [...given, ...solution], checks, problems)
    if (opts.filesDir !== undefined) problems.push(...labFilesProblems([...given, ...solution], MODULES, opts.filesDir, opts.missingFilesOk ?? false))
    out.push({
      id: ex.id,
      title: ex.title,
      task: ex.task,
      given: given.map(moduleStep),
      solution: solution.map(moduleStep),
      checks: checks.map((c) => {
        const g = grades[c.index]!
        return { check: c.name, options: c.options, points: g.points, ...(g.message === undefined ? {} : { message: g.message }) } as GradedCheck
      }),
    })
  })
  return out
}

/** The text in `lang`, falling back to English. */
export function textIn(text: Text, lang: string): string {
  if (typeof text === 'string') return text
  return (lang === 'zh' ? text.zh : undefined) ?? text.en
}

/**
 * The lab with one student's values in its exercises. `validate` tried every choice and both ends of every
 * range, so a problem here is a value between them that breaks a rule: reported like any lab-file problem.
 */
export function forStudent(lab: ResolvedLab, student: string): ResolvedLab {
  if (student === lab.course.student) return lab
  const values = studentValues(lab.course.variables, student)
  const problems: Problem[] = []
  const exercises = parseExercises(lab.course.raw, values, lab.course.file, problems)
  if (problems.length) throw new LabFileError(`the exercises for student ${student}`, problems)
  return { ...lab, exercises, course: { ...lab.course, student, values } }
}

/** The exercise of that id; a wrong id is bad input that lists the ones there are. */
export function findExercise(lab: ResolvedLab, id: string): Exercise {
  const ex = lab.exercises.find((e) => e.id === id)
  if (ex) return ex
  if (!lab.exercises.length) throw new InputError('this lab has no exercises', 'a course lists them under exercises: (see labs/course/)')
  throw new InputError(`this lab has no exercise '${id}'`, `its exercises: ${lab.exercises.map((e) => e.id).join(', ')} (lab exercises)`)
}
