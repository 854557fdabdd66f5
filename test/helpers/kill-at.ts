/**
 * Fault injection for the `lab` CLI: run a command and kill it with SIGKILL (no handler, no cleanup, as a
 * crash, an OOM kill or a pulled plug would) at the moment a condition on its journal or on the hypervisor
 * becomes true.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { labInBackground } from './cli.js'
import { childrenOf } from './lab-processes.js'
import type { JournalEntry } from '../../src/state/journal.js'

/** The lab's journal as `lab up` wrote it so far (a torn last line is skipped, as the journal reader does). */
export function readJournal(dir: string, labName: string): JournalEntry[] {
  const file = join(dir, '.lab', labName, 'journal.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return l.trim() ? [JSON.parse(l) as JournalEntry] : []
      } catch {
        return []
      }
    })
}

/** The processes the lab's lock says its holder is running now (see src/state/lock.ts). */
export function lockedChildren(dir: string, labName: string): Array<{ pid: number; command: string }> {
  try {
    const lock = JSON.parse(readFileSync(join(dir, '.lab', labName, 'lock'), 'utf8')) as { children?: Array<{ pid: number; command: string }> }
    return lock.children ?? []
  } catch {
    return []
  }
}

export const has = (entries: JournalEntry[], step: string | RegExp, phase: JournalEntry['phase']): boolean =>
  entries.some((e) => e.phase === phase && (typeof step === 'string' ? e.step === step : step.test(e.step)))

export interface Killed {
  /** False when the command ended on its own before the condition held. */
  killed: boolean
  /** The journal at the moment of the kill. */
  journal: JournalEntry[]
  /** What the command printed on stderr (why it ended, when it ended on its own). */
  stderr: string
  /** Its exit code, when it exited rather than died of the signal. */
  code: number | null
}

/**
 * Starts `lab ARGS` in `dir` and kills it with SIGKILL (or `signal`) as soon as `when` holds. The hypervisor's
 * tools the command had started are not killed: like after a real crash, they finish on their own.
 */
export async function labKilledWhen(opts: {
  dir: string
  env: NodeJS.ProcessEnv
  labName: string
  args: string[]
  when: (journal: JournalEntry[]) => boolean | Promise<boolean>
  pollMs?: number
  signal?: NodeJS.Signals
  /** Send the signal to lab's whole process group, as a terminal's Ctrl-C does. */
  group?: boolean
  /**
   * Kill only at a moment when every process lab has started is in its lock. lab records a process the moment
   * spawn() returns it; a kill inside those few milliseconds leaves a process the next command cannot know
   * of. A real crash lands there about once in a thousand; a kill timed on a journal record, just before a
   * spawn, would land there often.
   */
  whenRecorded?: boolean
}): Promise<Killed> {
  const running = labInBackground(opts.args, { cwd: opts.dir, env: opts.env, group: opts.group ?? false })
  const child = running.child
  let killed = false
  let journal: JournalEntry[] = []
  while (child.exitCode === null && child.signalCode === null) {
    journal = readJournal(opts.dir, opts.labName)
    if ((await opts.when(journal)) && (!opts.whenRecorded || (await frozenWithAllRecorded(child.pid!, opts.dir, opts.labName)))) {
      if (opts.group) process.kill(-child.pid!, opts.signal ?? 'SIGKILL')
      else child.kill(opts.signal ?? 'SIGKILL')
      // A process stopped to be looked at gets the signal when it continues (SIGKILL needs no continue).
      if (opts.whenRecorded) process.kill(child.pid!, 'SIGCONT')
      killed = true
      break
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 20))
  }
  await running.done
  return { killed, journal, stderr: running.stderr(), code: child.exitCode }
}

/**
 * Stops lab (SIGSTOP: it cannot start anything more), lets a child it forked finish becoming its program,
 * and says whether every child is in the lock; if not, lab continues and the caller looks again later.
 */
async function frozenWithAllRecorded(pid: number, dir: string, labName: string): Promise<boolean> {
  process.kill(pid, 'SIGSTOP')
  await new Promise((r) => setTimeout(r, 30))
  const recorded = new Set(lockedChildren(dir, labName).map((c) => c.pid))
  if (childrenOf(pid).every((c) => recorded.has(c))) return true
  process.kill(pid, 'SIGCONT')
  return false
}
