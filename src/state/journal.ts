/**
 * An append-only record of every step started and finished. `lab up` resumes from it after an interruption,
 * and `lab destroy` learns from it what may exist even when the state file never got written.
 */
import { open } from 'node:fs/promises'
import { readTextIfExists, makePrivateDir } from '../util/files.js'
import { fsError } from '../util/fs-errors.js'
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
    try {
      await makePrivateDir(dirname(this.path))
      // One write per line with O_APPEND: a crash can only lose or truncate the last line.
      const fh = await open(this.path, 'a', 0o600)
      const size = (await fh.stat()).size
      try {
        await fh.writeFile(JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n')
      } catch (err) {
        // A full disk may have taken part of the line: the next one would be glued to it and lost too.
        await fh.truncate(size).catch(() => {})
        throw err
      } finally {
        await fh.close()
      }
    } catch (err) {
      throw fsError(err, { doing: "cannot record the step in the lab's journal", path: this.path })
    }
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
