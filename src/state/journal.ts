/**
 * An append-only record of every step started and finished. `lab up` resumes from it after an interruption,
 * and `lab destroy` learns from it what may exist even when the state file never got written.
 */
import { appendFile, mkdir } from 'node:fs/promises'
import { readTextIfExists } from '../util/files.js'
import { dirname } from 'node:path'

export interface JournalEntry {
  at: string
  step: string
  phase: 'start' | 'done' | 'fail'
  /** What the step created or touched, e.g. { vm: 'vmlab-swarm-master' }. */
  data?: Record<string, unknown>
  error?: string
}

export class Journal {
  constructor(readonly path: string) {}

  async append(entry: Omit<JournalEntry, 'at'>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    // One write per line with O_APPEND: a crash can only lose or truncate the last line.
    await appendFile(this.path, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n')
  }

  /** Entries in order; a torn last line (crash mid-write) is ignored. */
  async read(): Promise<JournalEntry[]> {
    const text = await readTextIfExists(this.path)
    if (text === undefined) return []
    const out: JournalEntry[] = []
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      try {
        out.push(JSON.parse(line) as JournalEntry)
      } catch {
        // torn line
      }
    }
    return out
  }

  /** The phase of the step's last record, if it has any: `start` means a run stopped inside it. */
  async lastPhase(step: string): Promise<JournalEntry['phase'] | undefined> {
    return (await this.read()).filter((e) => e.step === step).pop()?.phase
  }

  /** Steps whose last record is `done`. */
  async done(): Promise<Set<string>> {
    const last = new Map<string, JournalEntry['phase']>()
    for (const e of await this.read()) last.set(e.step, e.phase)
    return new Set([...last].filter(([, p]) => p === 'done').map(([s]) => s))
  }
}
