/**
 * `lab destroy` on the simulated VirtualBox when the session lock outlives a power-off by seconds (as it
 * does on a loaded host): every VM, the host-only network, every disk and DVD registration and the folders
 * VirtualBox made are gone afterwards, and so is the lab lock. A destroy that fails part way frees the lock,
 * and the next one finishes the job.
 */
import t, { type Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { simLab, type SimLab } from '../helpers/sim-lab.js'

// Every VBoxManage call starts a Node process: a three-node lab is a few hundred of them.
t.setTimeout(900_000)

let net = 0
const NODES = ['master', 'node1', 'node2']

/** Registered images of one kind (`hdds`, `dvds`), by location. */
function media(lab: SimLab, kind: 'hdds' | 'dvds'): string[] {
  return lab
    .sim('VBoxManage', ['list', kind])
    .split('\n')
    .flatMap((l) => /^Location:\s+(.*)$/.exec(l)?.[1] ?? [])
}

/** Every file and folder under `dir`, folders included, so that an empty folder left behind shows. */
function entriesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    return e.isDirectory() ? [`${p}/`, ...entriesUnder(p)] : [p]
  })
}

function assertHostEmpty(t: Test, lab: SimLab, name: string): void {
  t.same(lab.vms(), [], 'no VM registered')
  t.same(lab.networks(), [], 'no host-only interface left')
  t.same(media(lab, 'hdds'), [], 'no disk registered')
  t.same(media(lab, 'dvds'), [], 'no DVD image registered')
  t.same(entriesUnder(join(lab.dir, 'vms')), [], 'nothing left in the machine folder, not even an empty folder')
  t.notOk(existsSync(join(lab.dir, '.lab', name, 'lock')), 'the lab lock is gone')
}

t.test('destroy while the session lock outlives each power-off by 3 s leaves nothing', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'held', cidr: `127.81.${++net}.0/24`, nodes: NODES, installSeconds: 1 })
  const up = await lab.run(['up'])
  t.match(up.stderr, /node2: boot done/, up.stderr)
  t.same([...lab.running()].sort(), NODES.map((n) => `vmlab-held-${n}`).sort(), 'the nodes run')

  lab.env.VMLAB_SIM_LOCK_SECONDS = '3'
  const destroy = await lab.run(['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  t.match(destroy.stdout, /removed 4 VMs/)
  assertHostEmpty(t, lab, 'held')
})

t.test('a destroy that fails part way frees the lab lock, and the next one finishes', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'part', cidr: `127.81.${++net}.0/24`, nodes: NODES, installSeconds: 1 })
  const up = await lab.run(['up'])
  t.match(up.stderr, /node2: boot done/, up.stderr)

  // A lock that never lets go within the retry window: VirtualBox's GUI or another VBoxManage holding the VMs.
  lab.env.VMLAB_SIM_LOCK_SECONDS = '600'
  const failed = await lab.run(['destroy', '--force'])
  t.equal(failed.code, 1, 'the destroy fails')
  t.match(failed.stderr, /Cannot unregister the machine 'vmlab-part-\w+' while it is locked/)
  t.match(failed.stderr, /session lock/, 'the hint names the session lock')
  t.notMatch(failed.stderr, /linked clone/, 'and does not blame linked clones')
  t.notOk(existsSync(join(lab.dir, '.lab', 'part', 'lock')), 'the failed destroy freed the lab lock')

  lab.env.VMLAB_SIM_LOCK_SECONDS = '0'
  const again = await lab.run(['destroy', '--force'])
  t.equal(again.code, 0, again.stderr)
  assertHostEmpty(t, lab, 'part')
})
