/**
 * A host-only interface made by a run killed before it journaled the network as done. VirtualBox names
 * interfaces itself (vboxnetN) and they carry no owner, so `lab up` writes the names that existed before it
 * asked for one into the journal: an interface that is new since an unfinished network step is the lab's.
 * (Another program making an interface in that same second would be mistaken for ours.)
 */
import type { JournalEntry } from '../state/journal.js'

/** The names before the latest network step, when that step never finished; undefined otherwise. */
function unfinishedBefore(entries: JournalEntry[]): string[] | undefined {
  let before: string[] | undefined
  for (const e of entries) {
    if (e.step !== 'network') continue
    if (e.phase === 'start') before = Array.isArray(e.data?.before) ? (e.data.before as string[]) : undefined
    else if (e.phase === 'done') before = undefined
  }
  return before
}

/** Interfaces an interrupted network step made: there now, not there before it. */
export function madeByInterruptedRun(entries: JournalEntry[], now: string[]): string[] {
  const before = unfinishedBefore(entries)
  return before === undefined ? [] : now.filter((id) => !before.includes(id))
}
