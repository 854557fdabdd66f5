/** The course commands: exercises, task, start, check EX, solve, submit. */
import type { Command } from 'commander'
import { withLab, globalVerbose } from '../with-lab.js'
import { table } from '../table.js'
import { printJson, printResult } from '../json-output.js'
import { InputError } from '../../util/errors.js'
import { loadLab, type LoadedLab } from '../../lab/load.js'
import { findExercise, forStudent, textIn, type Exercise } from '../../lab/exercises.js'
import { resolveStudent } from '../../engine/course/student.js'
import type { ExerciseResult } from '../../grading/result.js'
import type { LabContext } from '../../engine/lab-context.js'

interface CourseOptions {
  file?: string
  student?: string
  lang?: string
  json?: boolean
}

/** `--lang`, else the terminal's language when it is Chinese, else English. */
export function language(opts: CourseOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.lang !== undefined) {
    if (opts.lang !== 'en' && opts.lang !== 'zh') throw new InputError(`no tasks in language '${opts.lang}'`, 'use --lang en or --lang zh')
    return opts.lang
  }
  return /^zh/i.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || '') ? 'zh' : 'en'
}

function requireExercises(loaded: LoadedLab): void {
  if (!loaded.lab.exercises.length) throw new InputError(`${loaded.displayName} has no exercises`, 'a course lists them under exercises: (see labs/course/)')
}

/** The lab with this student's exercises (the student remembered from now on). */
async function forThisStudent(loaded: LoadedLab, opts: CourseOptions): Promise<LoadedLab> {
  const student = await resolveStudent(loaded.stateDir, opts.student, true)
  loaded.lab = forStudent(loaded.lab, student)
  return loaded
}

async function loadCourse(opts: CourseOptions): Promise<LoadedLab> {
  const loaded = await forThisStudent(await loadLab(opts.file, { missingFilesOk: true }), opts)
  requireExercises(loaded)
  return loaded
}

function exercise(loaded: LoadedLab, id: string): Exercise {
  return findExercise(loaded.lab, id)
}

function points(ex: Exercise): number {
  return ex.checks.reduce((n, c) => n + c.points, 0)
}

export async function exercisesCommand(opts: CourseOptions): Promise<void> {
  const loaded = await loadCourse(opts)
  const lang = language(opts)
  const { readResults } = await import('../../engine/course/results-file.js')
  const { readState } = await import('../../state/state-file.js')
  const { stateLayout } = await import('../../state/layout.js')
  const results = await readResults(loaded.stateDir, loaded.lab.course.student)
  const current = (await readState(stateLayout(loaded.stateDir).state).catch(() => undefined))?.exercise?.id
  const rows = loaded.lab.exercises.map((ex, i) => {
    const last = results.exercises[ex.id]
    const status = last ? (last.passed ? 'passed' : 'not yet') : ''
    return { n: i + 1, id: ex.id, title: textIn(ex.title, lang), points: points(ex), current: ex.id === current, status, score: last ? `${last.score}/${last.max}` : '' }
  })
  if (opts.json) {
    process.stdout.write(JSON.stringify({ student: loaded.lab.course.student, exercises: rows }, null, 2) + '\n')
    return
  }
  process.stdout.write(
    table(
      ['#', 'id', 'title', 'points', 'status', 'score'],
      rows.map((r) => [String(r.n), `${r.id}${r.current ? ' *' : ''}`, r.title, String(r.points), r.status, r.score]),
    ) + '\n',
  )
  const who = loaded.lab.course.student ? `student ${loaded.lab.course.student}` : 'no student id yet (lab start EX --student ID)'
  process.stdout.write(`${rows.length} exercises, ${rows.reduce((n, r) => n + r.points, 0)} points; ${who}${current ? `; * = started last (${current})` : ''}\n`)
}

function taskText(loaded: LoadedLab, ex: Exercise, lang: string): string {
  const n = loaded.lab.exercises.indexOf(ex) + 1
  const p = points(ex)
  const after = lang === 'zh' ? `\n---\n本练习共 ${p} 分。完成后运行：lab check ${ex.id}\n` : `\n---\n${p} point${p === 1 ? '' : 's'}. When you are done: lab check ${ex.id}\n`
  return `# ${n}. ${textIn(ex.title, lang)}\n\n${textIn(ex.task, lang).trimEnd()}\n${after}`
}

export async function taskCommand(id: string, opts: CourseOptions): Promise<void> {
  const loaded = await loadCourse(opts)
  const ex = exercise(loaded, id)
  const lang = language(opts)
  if (opts.json) printJson({ id: ex.id, n: loaded.lab.exercises.indexOf(ex) + 1, title: textIn(ex.title, lang), points: points(ex), lang, task: taskText(loaded, ex, lang) })
  else process.stdout.write(taskText(loaded, ex, lang))
}

function labOptions(opts: CourseOptions, cmd: Command) {
  return { ...(opts.file ? { file: opts.file } : {}), ...(globalVerbose(cmd) ? { verbose: true } : {}), ...(opts.json ? { json: true } : {}) }
}

async function courseContext(ctx: LabContext, opts: CourseOptions): Promise<void> {
  await forThisStudent(ctx.loaded, opts)
  requireExercises(ctx.loaded)
}

export async function startCommand(id: string, opts: CourseOptions, cmd: Command): Promise<void> {
  const { startExercise } = await import('../../engine/course/stages.js')
  const lang = language(opts)
  const { r, loaded } = await withLab('lab start', { ...labOptions(opts, cmd), events: true, warn: true, needsLabFiles: true }, async (ctx) => {
    await courseContext(ctx, opts)
    exercise(ctx.loaded, id)
    return { r: await startExercise(ctx, id), loaded: ctx.loaded }
  })
  if (opts.json) return printResult({ ...r, exercise: id, task: taskText(loaded, exercise(loaded, id), lang) })
  const how = r.restored === `stage-${id}` ? `restored its snapshot ${r.restored}` : `built from "${r.restored}"${r.built.length ? `, kept ${r.built.join(', ')}` : ''}`
  process.stdout.write(`exercise ${id} is ready: ${how} in ${(r.elapsedMs / 1000).toFixed(1)} s\n\n`)
  process.stdout.write(taskText(loaded, exercise(loaded, id), lang))
}

/** Grades the exercises (all when none is named) on the running lab and keeps the grades. */
async function grade(ctx: LabContext, ids: string[], lang: string): Promise<ExerciseResult[]> {
  const { openSessions } = await import('../../engine/access.js')
  const { gradeExercises } = await import('../../engine/course/grade-exercises.js')
  const { recordResults } = await import('../../engine/course/results-file.js')
  const lab = ctx.loaded.lab
  const exercises = ids.length ? ids.map((id) => exercise(ctx.loaded, id)) : lab.exercises
  const sessions = await openSessions(ctx)
  try {
    const results = await gradeExercises(lab, exercises, (n) => sessions.guest(n), lang)
    await recordResults(ctx.loaded.stateDir, lab.course.student, results)
    return results
  } finally {
    await sessions.close()
  }
}

export function printResults(results: ExerciseResult[], verbose: boolean): void {
  for (const r of results) {
    process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'} ${r.id}: ${r.title} — ${r.score}/${r.max} points\n`)
    const rows = r.checks.map((c) => [c.passed ? 'ok' : 'FAIL', `${c.passed ? c.points : 0}/${c.points}`, c.check, c.passed ? '' : c.message])
    process.stdout.write(table(['', 'points', 'check', 'what is missing'], rows) + '\n')
    if (verbose) {
      for (const c of r.checks) for (const o of c.outcomes) process.stdout.write(`    ${o.passed ? 'ok  ' : 'FAIL'} ${c.check} on ${o.on}: expected ${o.expected}; found ${o.found}\n`)
    }
  }
  if (results.length > 1) {
    const score = results.reduce((n, r) => n + r.score, 0)
    const max = results.reduce((n, r) => n + r.max, 0)
    process.stdout.write(`total: ${score}/${max} points, ${results.filter((r) => r.passed).length} of ${results.length} exercises passed\n`)
  }
}

export async function checkExercisesCommand(ids: string[], opts: CourseOptions, cmd: Command): Promise<void> {
  const lang = language(opts)
  const results = await withLab('lab check', labOptions(opts, cmd), async (ctx) => {
    await courseContext(ctx, opts)
    return grade(ctx, ids, lang)
  })
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else printResults(results, globalVerbose(cmd))
  if (!results.every((r) => r.passed)) process.exitCode = 1
}

export async function solveCommand(id: string, opts: CourseOptions, cmd: Command): Promise<void> {
  const { applySteps } = await import('../../engine/course/stages.js')
  const { labSessions } = await import('../../engine/access.js')
  const lang = language(opts)
  const results = await withLab('lab solve', { ...labOptions(opts, cmd), needsLabFiles: true }, async (ctx) => {
    await courseContext(ctx, opts)
    const ex = exercise(ctx.loaded, id)
    const sessions = await labSessions(ctx)
    try {
      // The given is applied too (modules do nothing where it is in place already): solve works from any state.
      await applySteps(ctx, sessions, ex, 'given')
      await applySteps(ctx, sessions, ex, 'solution')
    } finally {
      await sessions.close()
    }
    return grade(ctx, [id], lang)
  })
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else printResults(results, globalVerbose(cmd))
  if (!results.every((r) => r.passed)) process.exitCode = 1
}

export async function submitCommand(opts: CourseOptions & { out?: string }, cmd: Command): Promise<void> {
  const { makeBundle, writeBundle, redact } = await import('../../grading/bundle.js')
  const { readFile } = await import('node:fs/promises')
  const { createHash } = await import('node:crypto')
  const { packagePath } = await import('../../util/package-root.js')
  const { secretsOf } = await import('../../engine/course/secrets.js')
  const lang = language(opts)
  const { results, loaded, secrets } = await withLab('lab submit', labOptions(opts, cmd), async (ctx) => {
    await courseContext(ctx, opts)
    if (!ctx.loaded.lab.course.student) throw new InputError('no student id: a submission says whose it is', 'give yours once: lab submit --student ID (an e-mail address or a roster number)')
    return { results: await grade(ctx, [], lang), loaded: ctx.loaded, secrets: await secretsOf(ctx) }
  })
  const text = await readFile(loaded.path ?? (await import('../../lab/load.js')).embeddedLabPath(loaded.lab.name), 'utf8')
  const { version } = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string }
  const bundle = redact(
    makeBundle({
      format: 'vmlab-result/1',
      lab: loaded.lab.name,
      labDigest: createHash('sha256').update(text).digest('hex'),
      student: loaded.lab.course.student,
      tool: { name: 'vmlab', version },
      at: new Date().toISOString(),
      exercises: results,
    }),
    secrets,
  )
  const out = await writeBundle(opts.out ?? process.cwd(), bundle)
  if (opts.json) process.stdout.write(JSON.stringify({ file: out, total: bundle.total }, null, 2) + '\n')
  else process.stdout.write(`wrote ${out}: ${bundle.total.score}/${bundle.total.max} points, ${results.filter((r) => r.passed).length} of ${results.length} exercises passed; hand this file in\n`)
}
