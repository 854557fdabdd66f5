/**
 * Fault injection for real, on one QEMU guest (Debian 12, module `hosts`): `lab up` killed with SIGKILL
 * after the lab's vde_switch started, while the node boots and while the modules run; what each kill leaves
 * running is checked, each next `lab up` resumes from it, the last one finishes a working lab (SSH with the
 * pinned key, modules applied, snapshot `ready`), and `lab destroy` then leaves no qemu or vde_switch process
 * and no file of the lab. A second lab is killed while booting and destroyed straight away.
 *
 * Needs what .ci/run installs (qemu-system-x86, qemu-utils, debootstrap, vde-switch) and root when the
 * Debian image is not cached yet (VMLAB_CACHE_DIR, default ~/.cache/vmlab/images).
 */
import t, { type Test } from 'tap'
import { readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { lab } from '../helpers/cli.js'
import { labKilledWhen, has } from '../helpers/kill-at.js'
import { assertNoQemuLeft, processesMentioning } from '../helpers/lab-processes.js'
import type { JournalEntry } from '../../src/state/journal.js'

t.setTimeout(20 * 60_000)

const LAB = (name: string) => `name: ${name}
os: debian12
provider: qemu
network: { cidr: 192.168.58.0/24 }
defaults: { cpus: 1, memory: 512, disk: 4 }
nodes: [{ name: solo }]
modules: [hosts]
`
const timings: Record<string, number> = {}
const started = Date.now()
t.teardown(() =>
  t.comment(
    `timings (s): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
      .join(', ')}; whole file ${((Date.now() - started) / 1000).toFixed(1)}`,
  ),
)

function qemuLab(t: Test, name: string) {
  const dir = t.testdir({ 'lab.yaml': LAB(name) })
  // QEMU's and vde_switch's UNIX sockets live here, and a socket path may not exceed 107 bytes: not in tap's long fixture names.
  const qemuDir = mkdtempSync(join(tmpdir(), 'vmlab-cut-'))
  const env = { VMLAB_QEMU_DIR: qemuDir, VMLAB_SSH_TIMEOUT: '300' }
  t.teardown(async () => {
    // Whatever failed above, leave no VM running on a machine others share.
    if (processesMentioning(qemuDir).length) await lab(['destroy', '--force'], { cwd: dir, env, timeoutMs: 120_000 })
    rmSync(qemuDir, { recursive: true, force: true })
  })
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now()
    try {
      return await work()
    } finally {
      timings[what] = Date.now() - t0
    }
  }
  return {
    dir,
    qemuDir,
    run: (what: string, args: string[]) => timed(what, () => lab(args, { cwd: dir, env, timeoutMs: 10 * 60_000 })),
    killUp: (what: string, when: (j: JournalEntry[]) => boolean) => timed(what, () => labKilledWhen({ dir, env, labName: name, args: ['up'], when, pollMs: 50 })),
    qemus: () => processesMentioning(qemuDir, /qemu-system/),
    switches: () => processesMentioning(qemuDir, /vde_switch/),
  }
}

const journalLine = (j: JournalEntry[]) => j.map((e) => `${e.step} ${e.phase}`).join(', ')

t.test('killed at three stages, lab up resumes each time and finishes a working lab; destroy leaves nothing', async (t) => {
  const q = qemuLab(t, 'qcut')

  const atNetwork = await q.killUp('kill after network', (j) => has(j, 'network', 'done'))
  t.ok(atNetwork.killed, `killed after the network: ${journalLine(atNetwork.journal)}`)
  t.equal(q.switches().length, 1, 'the lab switch outlives the killed command')
  t.same(q.qemus(), [], 'no VM runs yet')

  const atBoot = await q.killUp('kill at boot', (j) => has(j, 'boot:solo', 'done'))
  t.ok(atBoot.killed, `killed while the node boots: ${journalLine(atBoot.journal)}`)
  t.ok(has(atBoot.journal, 'clone:solo', 'done'), 'the clone was made before')
  t.equal(q.qemus().length, 1, 'the booting VM outlives the killed command')
  t.equal(q.switches().length, 1, 'one switch, not a second one')

  const atModules = await q.killUp('kill in modules', (j) => has(j, 'modules', 'start'))
  t.ok(atModules.killed, `killed while the modules run: ${journalLine(atModules.journal)}`)
  t.notOk(atModules.journal.filter((e) => e.step === 'clone:solo' && e.phase === 'start').length > 1, 'the resumed run did not clone again')
  t.equal(q.qemus().length, 1, 'still one VM')

  const up = await q.run('resumed up', ['up'])
  t.equal(up.code, 0, up.stderr)
  t.match(up.stderr, /taking over the lock of `lab up`/)
  t.match(up.stdout, /lab is up in [\d.]+ s: base reused, 0 nodes created, modules \d+ ok \/ \d+ changed \/ 0 failed, snapshot "ready" taken/)
  const ssh = await q.run('exec', ['exec', 'solo', '--', 'sh', '-c', 'hostname -f; grep -c solo.localdomain /etc/hosts'])
  t.equal(ssh.code, 0, ssh.stderr)
  t.match(ssh.stdout, /solo\.localdomain/, 'SSH reaches the node with its pinned key and it has its identity')
  const status = JSON.parse((await q.run('status', ['status', '--json'])).stdout)
  t.same(
    status.nodes.map((n: { state: string; snapshots: string[] }) => [n.state, n.snapshots]),
    [['running', ['clean', 'ready']]],
    'one VM, snapshots each once',
  )
  t.equal(q.qemus().length, 1)

  const destroy = await q.run('destroy', ['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  assertNoQemuLeft(t, q.qemuDir)
  t.same(readdirSync(join(q.dir, '.lab', 'qcut')).sort(), ['keys', 'secrets.json'], 'no state, journal or media file')
})

t.test('killed while booting, destroy stops the orphaned VM and switch', async (t) => {
  const q = qemuLab(t, 'qgone')
  const k = await q.killUp('kill at boot (2)', (j) => has(j, 'boot:solo', 'done'))
  t.ok(k.killed, `${journalLine(k.journal)}\n${k.stderr}`)
  t.equal(q.qemus().length, 1, 'an orphaned VM runs')
  const destroy = await q.run('destroy after kill', ['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  assertNoQemuLeft(t, q.qemuDir)
})
