/**
 * What the engine tells whoever shows progress: stages of a command, and tasks per node within them.
 * The CLI renders these as a live tree on a terminal or as timestamped lines elsewhere; tests collect them.
 */
export type TaskStatus = 'running' | 'done' | 'skipped' | 'failed'

export type EngineEvent =
  | { type: 'stage'; stage: string; status: TaskStatus; detail?: string; elapsedMs?: number }
  | { type: 'task'; stage: string; node: string; title: string; status: TaskStatus; detail?: string; elapsedMs?: number }
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string }

export type Reporter = (event: EngineEvent) => void

export const silentReporter: Reporter = () => {}

/** Runs one stage, reporting its start, end and time; a failure is reported and rethrown. */
export async function stage<T>(report: Reporter, name: string, fn: () => Promise<T>, skip?: string): Promise<T | undefined> {
  if (skip !== undefined) {
    report({ type: 'stage', stage: name, status: 'skipped', detail: skip })
    return undefined
  }
  const started = Date.now()
  report({ type: 'stage', stage: name, status: 'running' })
  try {
    const out = await fn()
    report({ type: 'stage', stage: name, status: 'done', elapsedMs: Date.now() - started })
    return out
  } catch (err) {
    report({ type: 'stage', stage: name, status: 'failed', detail: (err as Error).message, elapsedMs: Date.now() - started })
    throw err
  }
}

/** Runs one task of a node inside a stage, reporting it the same way. */
export async function task<T>(report: Reporter, stageName: string, node: string, title: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now()
  report({ type: 'task', stage: stageName, node, title, status: 'running' })
  try {
    const out = await fn()
    report({ type: 'task', stage: stageName, node, title, status: 'done', elapsedMs: Date.now() - started })
    return out
  } catch (err) {
    report({ type: 'task', stage: stageName, node, title, status: 'failed', detail: (err as Error).message, elapsedMs: Date.now() - started })
    throw err
  }
}
