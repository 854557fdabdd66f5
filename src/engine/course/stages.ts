/**
 * The start of an exercise as a lab-wide snapshot, `stage-<id>`: the lab's modules, then for every earlier
 * exercise its given and its solution, then this one's given. The first `lab start EX` builds it from the
 * nearest stage before it (or from `ready`) and keeps every stage it passes on the way; later ones restore
 * it in seconds, as `lab reset` does (clocks stepped). A stage whose recipe changed in the lab file since it
 * was taken (or whose student values differ) is built again.
 */
import { createHash } from 'node:crypto'
import type { ResolvedLab } from '../../lab/resolve.js'
import { findExercise, type Exercise } from '../../lab/exercises.js'
import type { ModuleStep } from '../../lab/module-options.js'
import { vmName } from '../../lab/vm-names.js'
import { LabError } from '../../util/errors.js'
import type { LabContext } from '../lab-context.js'
import { modulesKey, recordSnapshot } from '../applied-modules.js'
import { READY_SNAPSHOT } from '../up.js'
import { reset } from '../snapshot-commands.js'
import { labSessions } from '../access.js'
import { runModules } from '../run-modules.js'
import { takeLabSnapshot } from '../instant-snapshot.js'
import { stage } from '../events.js'
import type { LabSessions } from '../session.js'

export const stageSnapshot = (id: string): string => `stage-${id}`

/** What stage `index` holds: changes when anything that builds it changes. */
export function stageKey(lab: ResolvedLab, index: number): string {
  const recipe = lab.exercises.slice(0, index + 1).map((ex, k) => ({ given: ex.given, ...(k < index ? { solution: ex.solution } : {}) }))
  return createHash('sha256')
    .update(JSON.stringify({ modules: modulesKey(lab), recipe, values: lab.course.values }))
    .digest('hex')
    .slice(0, 16)
}

export interface StartResult {
  exercise: string
  /** The snapshot restored first: the stage itself when it was kept, else the nearest one before. */
  restored: string
  /** Stages built and kept on the way. */
  built: string[]
  elapsedMs: number
}

async function stagesKept(ctx: LabContext): Promise<Set<string>> {
  const lab = ctx.loaded.lab
  const lists = await Promise.all(lab.nodes.map((n) => ctx.provider.snapshotList(vmName(lab, n))))
  return new Set(lists[0]!.filter((s) => lists.every((l) => l.includes(s))))
}

export async function startExercise(ctx: LabContext, id: string): Promise<StartResult> {
  const started = Date.now()
  const lab = ctx.loaded.lab
  const target = lab.exercises.indexOf(findExercise(lab, id))
  const kept = await stagesKept(ctx)
  let from = -1
  for (let j = target; j >= 0; j--) {
    const ex = lab.exercises[j]!
    if (kept.has(stageSnapshot(ex.id)) && ctx.state.stages[ex.id]?.key === stageKey(lab, j)) {
      from = j
      break
    }
  }
  const restored = from >= 0 ? stageSnapshot(lab.exercises[from]!.id) : READY_SNAPSHOT
  if (from < 0 && !kept.has(READY_SNAPSHOT)) throw new LabError(`the lab has no "${READY_SNAPSHOT}" snapshot to start exercise ${id} from`, { hint: 'run `lab up` first: it takes it' })
  await reset(ctx, { snapshot: restored })
  const built: string[] = []
  if (from < target) {
    const sessions = await labSessions(ctx)
    try {
      if (from >= 0) await applySteps(ctx, sessions, lab.exercises[from]!, 'solution')
      for (let k = from + 1; k <= target; k++) {
        const ex = lab.exercises[k]!
        await applySteps(ctx, sessions, ex, 'given')
        await keepStage(ctx, sessions, ex, k)
        built.push(stageSnapshot(ex.id))
        if (k < target) await applySteps(ctx, sessions, ex, 'solution')
      }
    } finally {
      await sessions.close()
    }
  }
  ctx.state.exercise = { id, at: new Date().toISOString() }
  await ctx.saveState()
  return { exercise: id, restored, built, elapsedMs: Date.now() - started }
}

/** Applies an exercise's given or solution; a module that fails stops here, saying which exercise's. */
export async function applySteps(ctx: LabContext, sessions: LabSessions, ex: Exercise, part: 'given' | 'solution'): Promise<void> {
  const steps: ModuleStep[] = ex[part]
  if (!steps.length) return
  const results = (await stage(ctx.report, `${ex.id}: ${part}`, () => runModules(ctx, (n) => sessions.guest(n), { steps }))) ?? []
  const failed = results.filter((r) => r.status === 'failed')
  if (failed.length) {
    throw new LabError(`the ${part} of exercise ${ex.id} failed: ${failed.map((f) => `${f.module} on ${f.node}: ${f.reason}`).join('; ')}`, {
      hint: part === 'given' ? 'fix the cause and run `lab start` again' : 'fix the solution in the lab file (or the cause on the node) and run it again',
    })
  }
}

async function keepStage(ctx: LabContext, sessions: LabSessions, ex: Exercise, index: number): Promise<void> {
  const lab = ctx.loaded.lab
  const name = stageSnapshot(ex.id)
  await stage(ctx.report, `snapshot ${name}`, () =>
    takeLabSnapshot(ctx, lab.nodes, name, { stage: `snapshot ${name}`, replace: true, guest: async (n) => (await sessions.guest(n)).guest, drop: (n) => sessions.drop(n) }),
  )
  recordSnapshot(ctx.state, name)
  ctx.state.stages[ex.id] = { key: stageKey(lab, index), at: new Date().toISOString() }
  await ctx.saveState()
}
