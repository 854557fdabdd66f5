/**
 * Fault injection against the VMware simulator (vmrun, vmware-vdiskmanager): `lab up` killed with SIGKILL
 * after every record its journal shows and in the middle of the base install and of a clone, then resumed
 * to a finished lab (stand-in guests answer SSH) or destroyed; `lab snapshot save` and `lab reset` killed
 * half way, then run again.
 */
import t from 'tap'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { interruptSuite, journalCuts, midStepCuts, openSuiteLab, referenceJournal, assertNothingLeft, type SuiteOptions } from '../helpers/interrupt-suite.js'
import { has, labKilledWhen, lockedChildren } from '../helpers/kill-at.js'
import { labInBackground } from '../helpers/cli.js'
import { processesMentioning } from '../helpers/lab-processes.js'

t.setTimeout(1_800_000)
// Most of each test is waiting on simulator processes: a few side by side keep the file short.
t.jobs = 2

let net = 0
/** The vmrun call that takes the snapshot "exam". */
const EXAM = /\bvmrun\b.*\bsnapshot\b.*\bexam\b/
const suite: SuiteOptions = {
  provider: 'vmware',
  name: 'cut',
  nodes: ['master', 'node1'],
  // Long enough for a poll of `vmrun list` on a busy machine to see the base installing.
  installSeconds: 4,
  guests: true,
  cidr: () => `127.79.${++net}.0/24`,
}

t.test('lab up killed at every point', async (t) => {
  t.jobs = 4
  const reference = await referenceJournal(t, suite)
  interruptSuite(t, suite, [...journalCuts(reference), ...midStepCuts(suite.name, 'master')])
})

t.test('a VM folder holding a disk but no .vmx yet (killed while the disk was made) is removed by lab destroy', async (t) => {
  const lab = await openSuiteLab(t, suite)
  t.equal((await lab.run(['up', ...lab.upArgs], 600_000)).code, 0)
  // What a kill between vmware-vdiskmanager and the .vmx leaves: VMware knows no such VM.
  const half = join(lab.dir, 'vms', `vmlab-${suite.name}-node9`)
  mkdirSync(half)
  writeFileSync(join(half, 'vmlab-cut-node9.vmdk'), '# Disk DescriptorFile\n')
  const destroy = await lab.run(['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  t.notOk(existsSync(half), 'the half-made VM folder is gone')
  assertNothingLeft(t, lab, suite.name)
})

for (const half of [
  { what: 'a folder with a disk and no .vmx (killed while the disk was made)', vmx: undefined },
  { what: 'a .vmx cut inside a line (vmrun killed while it wrote the clone)', vmx: (whole: string) => whole.slice(0, whole.indexOf('memsize') + 5) },
]) {
  t.test(`a resumed lab up replaces ${half.what}; destroy leaves nothing`, { buffered: true }, async (t) => {
    const lab = await openSuiteLab(t, suite)
    const k = await labKilledWhen({ whenRecorded: true, dir: lab.dir, env: lab.env, labName: suite.name, args: ['up', ...lab.upArgs], when: (j) => has(j, 'base', 'done') })
    t.ok(k.killed, k.stderr)
    // A vmrun the killed run left goes on by itself; the half-made node is made once it is done.
    while (processesMentioning(lab.dir, /vmware\/(vmrun|vdiskmanager)\.mjs/).length > 0) await new Promise((r) => setTimeout(r, 100))
    const base = k.journal.find((e) => e.step === 'base')!.data!.vm as string
    const dir = join(lab.dir, 'vms', `vmlab-${suite.name}-node1`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir)
    writeFileSync(join(dir, 'vmlab-cut-node1.vmdk'), '# Disk DescriptorFile\n')
    if (half.vmx) writeFileSync(join(dir, 'vmlab-cut-node1.vmx'), half.vmx(readFileSync(join(lab.dir, 'vms', base, `${base}.vmx`), 'utf8')))
    const again = await lab.run(['up'], 600_000)
    t.equal(again.code, 0, again.stderr)
    t.same(lab.vms().sort(), [base, 'vmlab-cut-master', 'vmlab-cut-node1'], 'the base and each node once')
    const list = JSON.parse((await lab.run(['snapshot', 'list', '--json'])).stdout) as Array<{ node: string; snapshots: string[] }>
    t.same(
      list.map((n) => [n.node, n.snapshots]),
      [
        ['master', ['clean', 'ready']],
        ['node1', ['clean', 'ready']],
      ],
      'every node has its snapshots',
    )
    const destroy = await lab.run(['destroy', '--force'])
    t.equal(destroy.code, 0, destroy.stderr)
    assertNothingLeft(t, lab, suite.name)
  })
}

t.test('killed while the lab is being snapshotted, the same save again waits for the vmrun left running, then succeeds', { buffered: true }, async (t) => {
  const lab = await openSuiteLab(t, suite)
  t.equal((await lab.run(['up'])).code, 0)
  // Every `vmrun snapshot` stays in progress until the test lets it finish, however busy the machine is.
  lab.holdSnapshots(true)
  // Killed once the lock names that vmrun: a process seen in /proc may be a few microseconds too young to be recorded.
  const recorded = () => lockedChildren(lab.dir, 'cut').some((c) => EXAM.test(c.command))
  const k = await labKilledWhen({ whenRecorded: true, dir: lab.dir, env: lab.env, labName: 'cut', args: ['snapshot', 'save', 'exam'], when: recorded })
  t.ok(k.killed, 'killed while vmrun was taking "exam"')
  t.ok(processesMentioning(lab.dir, EXAM).length > 0, 'the killed run\'s vmrun is still taking "exam", as a real one would')
  const again = labInBackground(['snapshot', 'save', 'exam'], { cwd: lab.dir, env: lab.env })
  await again.said(/waiting for (it|them) to finish first/)
  t.match(
    again.stderr(),
    /`lab snapshot save` \(PID \d+\) stopped while it ran .*`\S*vmrun -T ws snapshot \S+ exam` \(PID \d+\)[^\n]*: waiting for (it|them) to finish first/,
    'it says what it waits for',
  )
  t.notMatch(again.stderr(), /taking over/, 'and does not take the lock over meanwhile')
  lab.holdSnapshots(false)
  const r = await again.done
  t.match(r.stderr, /taking over the lock of `lab snapshot save`/)
  t.equal(r.code, 0, r.stderr)
  const list = JSON.parse((await lab.run(['snapshot', 'list', '--json'])).stdout) as Array<{ snapshots: string[] }>
  t.same(
    list.map((n) => n.snapshots),
    [
      ['clean', 'ready', 'exam'],
      ['clean', 'ready', 'exam'],
    ],
    'every node has "exam" once',
  )
  const dup = await lab.run(['snapshot', 'save', 'exam'])
  t.equal(dup.code, 2, 'a complete lab snapshot is still protected from being overwritten')
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
  assertNothingLeft(t, lab, 'cut')
})

for (const stop of [
  { how: 'SIGTERM', signal: 'SIGTERM' as const, group: false },
  { how: "Ctrl-C (SIGINT to the terminal's whole process group)", signal: 'SIGINT' as const, group: true },
]) {
  t.test(`stopped with ${stop.how} while a vmrun runs: the vmrun finishes, lab says so and keeps the lock, the next command waits for it`, { buffered: true }, async (t) => {
    const lab = await openSuiteLab(t, suite)
    t.equal((await lab.run(['up'])).code, 0)
    lab.holdSnapshots(true)
    const k = await labKilledWhen({
      dir: lab.dir,
      env: lab.env,
      labName: 'cut',
      args: ['snapshot', 'save', 'exam'],
      signal: stop.signal,
      group: stop.group,
      when: () => lockedChildren(lab.dir, 'cut').some((c) => EXAM.test(c.command)),
    })
    t.ok(k.killed, k.stderr)
    t.equal(k.code, 130)
    t.match(
      k.stderr,
      new RegExp(`lab snapshot save interrupted \\(${stop.signal}\\); .*\`\\S*vmrun -T ws snapshot \\S+ exam\`.* still finishing, and the next command waits for (it|them); run it again`),
    )
    t.ok(processesMentioning(lab.dir, EXAM).length > 0, 'the vmrun was not stopped with lab')
    const lock = join(lab.dir, '.lab', 'cut', 'lock')
    t.ok(existsSync(lock), 'the lock stays while the vmrun runs')
    const again = labInBackground(['snapshot', 'save', 'exam'], { cwd: lab.dir, env: lab.env })
    await again.said(/waiting for (it|them) to finish first/)
    lab.holdSnapshots(false)
    const r = await again.done
    t.equal(r.code, 0, r.stderr)
    const list = JSON.parse((await lab.run(['snapshot', 'list', '--json'])).stdout) as Array<{ snapshots: string[] }>
    t.same(
      list.map((n) => n.snapshots),
      [
        ['clean', 'ready', 'exam'],
        ['clean', 'ready', 'exam'],
      ],
      'every node has "exam" once',
    )
    t.notOk(existsSync(lock), 'freed at the end of the next command')
    t.equal((await lab.run(['destroy', '--force'])).code, 0)
    assertNothingLeft(t, lab, 'cut')
  })
}

t.test('killed while the lab is being reset, the next reset succeeds', { buffered: true }, async (t) => {
  const lab = await openSuiteLab(t, suite)
  t.equal((await lab.run(['up'])).code, 0)
  const k = await labKilledWhen({ whenRecorded: true, dir: lab.dir, env: lab.env, labName: 'cut', args: ['reset'], when: () => lab.running().length < suite.nodes.length })
  t.ok(k.killed, `killed with ${lab.running().length} of ${suite.nodes.length} nodes running`)
  const again = await lab.run(['reset'])
  t.equal(again.code, 0, again.stderr)
  t.match(again.stderr, /taking over the lock of `lab reset`/)
  t.match(again.stdout, /reset master, node1 to "ready"/)
  t.same([...lab.running()].sort(), ['vmlab-cut-master', 'vmlab-cut-node1'], 'every node runs again')
  const status = JSON.parse((await lab.run(['status', '--json'])).stdout) as { nodes: Array<{ state: string }> }
  t.same(
    status.nodes.map((n) => n.state),
    ['running', 'running'],
  )
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
  assertNothingLeft(t, lab, 'cut')
})
