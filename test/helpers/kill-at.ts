/**
 * Fault injection for the `lab` CLI: run a command and kill it with SIGKILL (no handler, no cleanup, as a
 * crash, an OOM kill or a pulled plug would) at the moment a condition on its journal or on the hypervisor
 * becomes true.
 */
import { spawn } from 'node:child_process'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { LAB_BIN } from './cli.js'
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

/** The commands the lab's lock says its holder is running now (see src/state/lock.ts). */
export function lockedCommands(dir: string, labName: string): string[] {
  try {
    const lock = JSON.parse(readFileSync(join(dir, '.lab', labName, 'lock'), 'utf8')) as { children?: Array<{ command: string }> }
    return (lock.children ?? []).map((c) => c.command)
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
}): Promise<Killed> {
  const child = spawn(process.execPath, [LAB_BIN, ...opts.args], { cwd: opts.dir, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  let killed = false
  let journal: JournalEntry[] = []
  while (child.exitCode === null && child.signalCode === null) {
    journal = readJournal(opts.dir, opts.labName)
    if (await opts.when(journal)) {
      child.kill(opts.signal ?? 'SIGKILL')
      killed = true
      break
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 20))
  }
  await exited
  return { killed, journal, stderr, code: child.exitCode }
}
