/**
 * "Every interruption point is recoverable", for any simulated provider: `lab up` is killed with SIGKILL at
 * a point (a journal record, or a moment in the middle of a long step), then either
 * - resumed: the next `lab up` takes the stale lock over and finishes the lab (or gets as far as SSH when no
 *   stand-in guests answer), with every VM there exactly once and each made once, or
 * - destroyed: `lab destroy --force` leaves no VM, disk, network or state file.
 */
import type { Test } from 'tap'
import { readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { JournalEntry } from '../../src/state/journal.js'
import { labKilledWhen, has, readJournal } from './kill-at.js'
import { simLab, type SimLab, type SimLabOptions, type SimProvider } from './sim-lab.js'
import { startNodeSshds } from './node-sshd.js'
import { processesMentioning } from './lab-processes.js'

export interface Cut {
  name: string
  /** A known failure, with why: reported by tap as a todo, not as a failure. */
  todo?: string
  /** The simulated host for this cut, where it must differ from the suite's to make the moment last. */
  host?: Pick<SimLabOptions, 'snapshotSeconds' | 'createSeconds'>
  /** VirtualBox calls held in progress (see SimLab.hold) until lab is killed, then let finish. */
  hold?: string[]
  /**
   * Hypervisor calls (matched on their command line) killed with lab, as a power cut or a kill of the whole
   * session does; by default they are left to finish, as after a crash of lab alone.
   */
  alsoKill?: RegExp
  when: (journal: JournalEntry[], lab: SimLab) => boolean
}

export const baseVm = (j: JournalEntry[]) => j.find((e) => e.step === 'base')?.data?.vm as string | undefined

/**
 * A cut as each step `lab up` journals starts, in the order a complete run started them. Between one step's
 * `done` and the next one's `start` nothing touches the hypervisor, so these are all the points between steps;
 * steps run side by side (one clone per node) count once. The last record, `up done`, is no interruption.
 */
export function journalCuts(reference: JournalEntry[]): Cut[] {
  const seen = new Set<string>()
  const cuts: Cut[] = []
  for (const e of reference) {
    const kind = e.step.split(':')[0]!
    if (e.phase !== 'start' || seen.has(kind)) continue
    seen.add(kind)
    const step = kind === e.step ? e.step : new RegExp(`^${kind}:`)
    cuts.push({ name: `as "${e.step === kind ? kind : `${kind}:…`}" starts`, when: (j) => has(j, step, 'start') })
  }
  return cuts
}

/** Cuts inside the long steps: the base VM running its unattended install, a clone made but not yet snapshotted. */
export function midStepCuts(labName: string, node: string): Cut[] {
  const vm = `vmlab-${labName}-${node}`
  return [
    { name: 'in the middle of the base install', when: (j, lab) => has(j, 'base', 'start') && !has(j, 'base', 'done') && lab.isOn(baseVm(j) ?? '?') },
    // A clone made and not yet snapshotted lasts as long as the snapshot takes: long enough to be seen by a poll on a busy machine.
    { name: `in the middle of cloning ${node}`, host: { snapshotSeconds: 2 }, when: (j, lab) => has(j, `clone:${node}`, 'start') && !has(j, `clone:${node}`, 'done') && lab.vms().includes(vm) },
  ]
}

export interface SuiteOptions extends Omit<SimLabOptions, 'cidr'> {
  provider: SimProvider
  /** Stand-in guests answer SSH, so that a resumed `lab up` can finish. */
  guests: boolean
  /** A distinct /24 on loopback per test: tests run side by side and each needs its own node addresses. */
  cidr: () => string
}

export async function openSuiteLab(t: Test, o: SuiteOptions, host: Cut['host'] = {}): Promise<SimLab> {
  const lab = simLab(t, o.provider, { ...o, ...host, cidr: o.cidr() })
  if (o.guests) await startNodeSshds(t, lab.dir)
  return lab
}

/** A complete `lab up`: its journal is where the cuts come from. */
export async function referenceJournal(t: Test, o: SuiteOptions): Promise<JournalEntry[]> {
  const lab = await openSuiteLab(t, o)
  const up = await lab.run(['up'])
  if (o.guests) t.equal(up.code, 0, `a complete lab up: ${up.stderr}`)
  const journal = readJournal(lab.dir, o.name)
  t.ok(has(journal, 'base', 'done') && has(journal, /^clone:/, 'done'), 'the journal records the base and the clones')
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
  return journal
}

/** Nothing of the lab is left on the simulated host nor in its state folder (its credentials are kept). */
export function assertNothingLeft(t: Test, lab: SimLab, labName: string): void {
  t.same(lab.vms(), [], 'no VM left')
  t.same(lab.running(), [], 'nothing running')
  t.same(lab.networks(), [], 'no network left')
  t.same(lab.files(), [], 'no disk or VM file left')
  const media = lab.media()
  t.same(
    media.filter((m) => m.startsWith('hdds:')),
    [],
    'no disk image registered',
  )
  t.same(
    media.filter((m) => m.startsWith('dvds:')),
    [],
    'no DVD image registered',
  )
  const stateDir = join(lab.dir, '.lab', labName)
  // The credentials stay (a run killed before it made them has none).
  const left = existsSync(stateDir) ? readdirSync(stateDir) : []
  t.same(
    left.filter((f) => !['keys', 'secrets.json'].includes(f)),
    [],
    'no state, journal, lock or media file left',
  )
}

/** SIGKILL, for a process that may have ended by itself meanwhile. */
function killGone(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

export function interruptSuite(t: Test, o: SuiteOptions, cuts: Cut[], variants: Array<'resume' | 'destroy'> = ['resume', 'destroy']): void {
  const vmOf = (node: string) => `vmlab-${o.name}-${node}`
  for (const cut of cuts) {
    for (const then of variants) {
      t.test(`killed ${cut.name}, then ${then}`, { buffered: true, ...(cut.todo ? { todo: cut.todo } : {}) }, async (t) => {
        const lab = await openSuiteLab(t, o, cut.host)
        if (cut.hold) lab.hold(cut.hold)
        const k = await labKilledWhen({ whenRecorded: true, dir: lab.dir, env: lab.env, labName: o.name, args: ['up', ...lab.upArgs], when: (j) => cut.when(j, lab) })
        t.ok(k.killed, `lab up was killed ${cut.name} (journal: ${k.journal.map((e) => `${e.step} ${e.phase}`).join(', ')})\n${k.stderr}`)
        for (const p of cut.alsoKill ? processesMentioning(lab.dir, cut.alsoKill) : []) killGone(Number(p.split(':')[0]))
        lab.hold([])
        // A createvm pause long enough to be killed in is for the killed run only.
        if (cut.host?.createSeconds) lab.env.VMLAB_SIM_CREATE_SECONDS = '0'
        if (then === 'resume') {
          const again = await lab.run(['up'], 600_000)
          t.match(again.stderr, /taking over the lock of `lab up` \(PID \d+\), which is no longer running/, 'the stale lock is taken over with a message')
          if (o.guests) {
            t.equal(again.code, 0, again.stderr)
            t.match(again.stdout, /lab is up/)
          } else t.match(again.stderr, /ssh failed/, 'the resumed run gets as far as SSH')
          t.ok(lab.networks().length <= 1, `one lab network, not a leftover beside a new one: ${lab.networks().join(', ')}`)
          const journal = readJournal(lab.dir, o.name)
          const base = baseVm(journal)!
          const vms = lab.vms()
          t.same([...vms].sort(), [base, ...o.nodes.map(vmOf)].sort(), `the base and every node, each once: ${vms.join(', ')}`)
          t.equal(journal.filter((e) => e.step === 'base' && e.phase === 'done' && e.data?.outcome === 'built').length, 1, 'the base was built once')
          // At most once: a clone whose last hypervisor call outlived the killed run is complete without its `done` record.
          for (const node of o.nodes) t.ok(journal.filter((e) => e.step === `clone:${node}` && e.phase === 'done').length <= 1, `${node} was not cloned twice`)
          const list = JSON.parse((await lab.run(['snapshot', 'list', '--json'])).stdout) as Array<{ node: string; snapshots: string[] }>
          const want = o.guests ? ['clean', 'ready'] : ['clean']
          t.same(
            list.map((n) => [n.node, n.snapshots]),
            o.nodes.map((n) => [n, want]),
            'every node has its snapshots, each once',
          )
          if (o.guests) t.same([...lab.running()].sort(), o.nodes.map(vmOf).sort(), 'every node runs')
        }
        const destroy = await lab.run(['destroy', '--force'], 600_000)
        t.equal(destroy.code, 0, destroy.stderr)
        assertNothingLeft(t, lab, o.name)
      })
    }
  }
}
