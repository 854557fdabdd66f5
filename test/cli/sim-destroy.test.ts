/**
 * `lab destroy` on the simulated VirtualBox and VMware when the hypervisor holds a VM for seconds after its
 * power-off (VirtualBox's session lock, VMware's process letting go of the VM's files; longer on a loaded
 * host): every VM, the host-only network, every disk and DVD registration and the folders the hypervisor
 * made are gone afterwards, and so is the lab lock. A destroy that fails part way frees the lock, and the
 * next one finishes the job.
 */
import t, { type Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { simLab, type SimLab, type SimProvider } from '../helpers/sim-lab.js'

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

function assertHostEmpty(t: Test, lab: SimLab, provider: SimProvider, name: string): void {
  t.same(lab.vms(), [], 'no VM left')
  t.same(lab.networks(), [], 'no host-only interface left')
  if (provider === 'virtualbox') {
    t.same(media(lab, 'hdds'), [], 'no disk registered')
    t.same(media(lab, 'dvds'), [], 'no DVD image registered')
  }
  t.same(entriesUnder(join(lab.dir, 'vms')), [], 'nothing left in the machine folder, not even an empty folder')
  t.notOk(existsSync(join(lab.dir, '.lab', name, 'lock')), 'the lab lock is gone')
}

/** What each hypervisor says while it still holds a VM that powered off, and the hint that goes with it. */
const HELD = {
  virtualbox: { said: /Cannot unregister the machine 'vmlab-part-\w+' while it is locked/, hint: /session lock of vmlab-part-\w+/ },
  vmware: { said: /deleteVM \S+ failed \(exit 255\): Error: The file is already in use/, hint: /VMware lets go of them a few seconds after a VM stops/ },
}

for (const provider of ['virtualbox', 'vmware'] as const) {
  t.test(`${provider}: destroy while the hypervisor holds each VM for 3 s after its power-off leaves nothing`, async (t) => {
    const lab = simLab(t, provider, { name: 'held', cidr: `127.81.${++net}.0/24`, nodes: NODES, installSeconds: 1 })
    const up = await lab.run(['up'])
    t.match(up.stderr, /node2: boot done/, up.stderr)
    t.same([...lab.running()].sort(), NODES.map((n) => `vmlab-held-${n}`).sort(), 'the nodes run')

    lab.env.VMLAB_SIM_LOCK_SECONDS = '3'
    const destroy = await lab.run(['destroy', '--force'])
    t.equal(destroy.code, 0, destroy.stderr)
    t.match(destroy.stdout, /removed 4 VMs/)
    assertHostEmpty(t, lab, provider, 'held')
  })

  t.test(`${provider}: a destroy that fails part way frees the lab lock, and the next one finishes`, async (t) => {
    const lab = simLab(t, provider, { name: 'part', cidr: `127.81.${++net}.0/24`, nodes: NODES, installSeconds: 1 })
    const up = await lab.run(['up'])
    t.match(up.stderr, /node2: boot done/, up.stderr)

    // A hold that never ends within the retry window: the hypervisor's GUI or another of its commands has the VMs.
    lab.env.VMLAB_SIM_LOCK_SECONDS = '600'
    const failed = await lab.run(['destroy', '--force'])
    t.equal(failed.code, 1, 'the destroy fails')
    t.match(failed.stderr, HELD[provider].said)
    t.match(failed.stderr, HELD[provider].hint, 'the hint says what holds the VM')
    t.notMatch(failed.stderr, /linked clone/, 'and does not blame linked clones')
    t.notOk(existsSync(join(lab.dir, '.lab', 'part', 'lock')), 'the failed destroy freed the lab lock')

    lab.env.VMLAB_SIM_LOCK_SECONDS = '0'
    const again = await lab.run(['destroy', '--force'])
    t.equal(again.code, 0, again.stderr)
    assertHostEmpty(t, lab, provider, 'part')
  })
}

t.test('virtualbox: a seed disc whose node went without its destroy finishing is closed by the next destroy', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'gone', cidr: `127.81.${++net}.0/24`, nodes: NODES, installSeconds: 1 })
  const up = await lab.run(['up'])
  t.match(up.stderr, /node2: boot done/, up.stderr)
  // What a destroy killed right after `unregistervm` leaves: the node is gone, its seed disc still registered.
  lab.sim('VBoxManage', ['controlvm', 'vmlab-gone-node1', 'poweroff'])
  lab.env.VMLAB_SIM_LOCK_SECONDS = '0'
  lab.sim('VBoxManage', ['unregistervm', 'vmlab-gone-node1', '--delete'])
  t.ok(
    media(lab, 'dvds').some((d) => d.endsWith('node1-seed.iso')),
    'the seed disc outlived its node',
  )

  const destroy = await lab.run(['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  assertHostEmpty(t, lab, 'virtualbox', 'gone')
})
