/**
 * Fault injection against the VirtualBox simulator: `lab up` killed with SIGKILL at ten moments where it
 * creates something (preflight, the host-only network, the base VM's creation, disk, attachments and
 * install, the clones, their first snapshot, their boot), then resumed by the next `lab up` or cleaned up by
 * `lab destroy`. A call in progress is held open by the simulator (VMLAB_SIM_HOLD) until lab is killed, so
 * the kill lands inside it however loaded the machine is. No stand-in guest answers here (VirtualBox
 * reaches SSH through a NAT port picked per clone), so a resumed run is followed as far as SSH; the VMware
 * suite follows resumed runs to the end.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { assertNothingLeft, baseVm, interruptSuite, midStepCuts, openSuiteLab, type Cut, type SuiteOptions } from '../helpers/interrupt-suite.js'
import { has, labKilledWhen, lockedChildren } from '../helpers/kill-at.js'
import type { SimLab } from '../helpers/sim-lab.js'
import { vboxHostOnlyIfs } from '../helpers/sim-lab.js'

t.setTimeout(1_800_000)
t.jobs = 2

let net = 0
const suite: SuiteOptions = {
  provider: 'virtualbox',
  name: 'cut',
  nodes: ['master', 'node1'],
  guests: false,
  cidr: () => `127.78.${++net}.0/24`,
}

const [midInstall, midClone] = midStepCuts(suite.name, 'master') as [Cut, Cut]
const cut = (name: string, when: Cut['when']): Cut => ({ name, when })
/** A VBoxManage call lab has started and not seen end. */
const calling = (lab: SimLab, call: RegExp) => lockedChildren(lab.dir, suite.name).some((c) => call.test(c.command))
/** lab killed while the simulator holds `call` in progress; it finishes after lab is gone, as a real one would. */
const held = (name: string, hold: string, call: RegExp): Cut => ({ name, hold: [hold], when: (_j, lab) => calling(lab, call) })
const settingsFile = (lab: SimLab, vm: string) => join(lab.dir, 'vms', 'vmlab', vm, `${vm}.vbox`)

interruptSuite(t, suite, [
  held('in the preflight (VBoxManage --version in progress)', '--version', /VBoxManage --version/),
  held('while the host-only interface is being made', 'hostonlyif create', /VBoxManage hostonlyif create/),
  {
    // The settings file is written and the VM not registered yet; VBoxManage dies with lab (a power cut).
    name: 'in createvm, between the settings file and the registration',
    host: { createSeconds: 600 },
    alsoKill: /vboxmanage\/main\.mjs createvm /,
    when: (j, lab) => has(j, 'base', 'start') && existsSync(settingsFile(lab, baseVm(j) ?? '?')),
  },
  held('while the base disk is being made', 'createmedium', /VBoxManage createmedium /),
  held('while the base disk is being attached', 'storageattach', /VBoxManage storageattach /),
  held('while the nodes are being cloned', 'clonevm', /VBoxManage clonevm /),
  held('while the first snapshot of a clone is taken', 'snapshot take clean', /VBoxManage snapshot \S+ take clean/),
  held('while a node is being started', 'startvm vmlab-cut-master', /VBoxManage startvm vmlab-cut-master/),
])

interruptSuite(t, suite, [
  // VirtualBox made the interface, lab has not given it the lab's address yet: destroy removes it, and a
  // resumed up (which cannot find it by its address and makes another) removes it too.
  cut(
    'after the host-only interface is made, before its address',
    (j, lab) => has(j, 'network', 'start') && !has(j, 'network', 'done') && vboxHostOnlyIfs(lab.dir).some((h) => !h.ip.startsWith('127.')),
  ),
])
interruptSuite(t, suite, [cut('right after the network', (j) => has(j, 'network', 'done'))], ['destroy'])

t.test('killed after the interface got its address, before the journal said so: the resumed up owns it, destroy removes it', async (t) => {
  const lab = await openSuiteLab(t, suite)
  const cidr = /network: \{ cidr: (\S+) \}/.exec(readFileSync(join(lab.dir, 'lab.yaml'), 'utf8'))![1]!
  const hostIp = cidr.replace(/0\/24$/, '1')
  const k = await labKilledWhen({
    whenRecorded: true,
    dir: lab.dir,
    env: lab.env,
    labName: suite.name,
    args: ['up', ...lab.upArgs],
    when: (j) => has(j, 'network', 'start') && !has(j, 'network', 'done') && vboxHostOnlyIfs(lab.dir).length > 0,
  })
  t.ok(k.killed, k.stderr)
  // The rest of that moment, by hand: the address lab was about to give it.
  const [made] = vboxHostOnlyIfs(lab.dir)
  lab.sim('VBoxManage', ['hostonlyif', 'ipconfig', made!.name, '--ip', hostIp, '--netmask', '255.255.255.0'])
  const again = await lab.run(['up'], 600_000)
  t.match(again.stderr, /ssh failed/, 'the resumed run gets as far as SSH')
  t.same(
    vboxHostOnlyIfs(lab.dir).map((h) => h.name),
    [made!.name],
    'the interface is used, no other made',
  )
  const destroy = await lab.run(['destroy', '--force'], 600_000)
  t.equal(destroy.code, 0, destroy.stderr)
  assertNothingLeft(t, lab, suite.name)
})
interruptSuite(t, suite, [midInstall])
interruptSuite(t, suite, [midClone], ['resume'])
interruptSuite(t, suite, [cut('after the clones', (j) => has(j, 'clone:node1', 'done') && has(j, 'clone:master', 'done'))], ['destroy'])
