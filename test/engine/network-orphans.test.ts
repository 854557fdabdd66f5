import t from 'tap'
import { madeByInterruptedRun } from '../../src/engine/network-orphans.js'
import type { JournalEntry } from '../../src/state/journal.js'

const at = '2026-11-22T10:00:00.000Z'
const start = (before?: string[]): JournalEntry => ({ at, step: 'network', phase: 'start', ...(before ? { data: { before } } : {}) })
const done: JournalEntry = { at, step: 'network', phase: 'done', data: { id: 'vboxnet1', created: true } }

t.test('an interface new since an unfinished network step is the lab’s; a finished step leaves none to guess', async (t) => {
  t.same(madeByInterruptedRun([start(['vboxnet0'])], ['vboxnet0', 'vboxnet1']), ['vboxnet1'])
  t.same(madeByInterruptedRun([start(['vboxnet0']), done], ['vboxnet0', 'vboxnet1']), [], 'done: the journal names it')
  t.same(madeByInterruptedRun([start(['vboxnet0']), done, start(['vboxnet0', 'vboxnet1'])], ['vboxnet0', 'vboxnet1', 'vboxnet2']), ['vboxnet2'], 'the latest step counts')
  t.same(madeByInterruptedRun([start()], ['vboxnet0']), [], 'a provider that names its networks records nothing')
  t.same(madeByInterruptedRun([], ['vboxnet0']), [], 'no network step at all')
})
