/**
 * One step of a command as the journal and the progress display both see it: a `start` record before the
 * step, a `done` record after it, and, when the step is a stage of its own, the stage reported around both.
 * A step that fails leaves its `start` as the last record: `lab destroy` and the next `lab up` read that as
 * "it may have made something".
 */
import { stage } from './events.js'
import type { LabContext } from './lab-context.js'

export interface JournaledStep<T> {
  /** The journal's name of the step, e.g. `clone:master`. */
  step: string
  /** The progress stage run around it; without one the step runs inside the caller's stage or task. */
  stage?: string
  /** Recorded with `start`: what the step may create (`lab destroy` reads it). */
  data?: Record<string, unknown>
  /** Recorded with `done`, from what the step returned. */
  done?: (result: T) => Record<string, unknown>
}

export async function journaled<T>(ctx: Pick<LabContext, 'journal' | 'report'>, step: JournaledStep<T>, fn: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    await ctx.journal.append({ step: step.step, phase: 'start', ...(step.data ? { data: step.data } : {}) })
    const result = await fn()
    await ctx.journal.append({ step: step.step, phase: 'done', ...(step.done ? { data: step.done(result) } : {}) })
    return result
  }
  if (step.stage === undefined) return run()
  // stage() gives undefined only for a skipped stage, and this one is never skipped.
  return (await stage(ctx.report, step.stage, run)) as T
}
