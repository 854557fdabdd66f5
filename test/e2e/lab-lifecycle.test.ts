/**
 * The teacher's whole cycle, for real, on three QEMU guests from labs/debian-swarm.yaml: up → check →
 * second up (nothing to do) → a concurrent command refused → break the lab → provision --check shows the
 * drift → provision repairs exactly it → break it again → reset → check → destroy, and nothing of the lab
 * is left: no qemu or vde_switch process, no VM file. Timings of each stage are printed.
 *
 * Needs what .ci/run installs (qemu-system-x86, qemu-utils, debootstrap, vde-switch, busybox-static) and
 * root when the Debian image is not cached yet.
 */
import t from 'tap'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import { lab, ROOT, LAB_BIN } from '../helpers/cli.js'
import { assertNoQemuLeft, processesMentioning } from '../helpers/lab-processes.js'

t.setTimeout(90 * 60_000)

const dir = t.testdir({ images: {} })
copyFileSync(join(ROOT, 'labs', 'debian-swarm.yaml'), join(dir, 'lab.yaml'))
execFileSync(process.execPath, [join(ROOT, 'scripts', 'busybox-image.mjs'), join(dir, 'images', 'busybox-rootfs.tar')])
const qemuDir = join(dir, 'qemu')
const env = { VMLAB_QEMU_DIR: qemuDir }
const timings: Record<string, number> = {}

async function step(name: string, args: string[], timeoutMs = 40 * 60_000) {
  const started = Date.now()
  const r = await lab(args, { cwd: dir, env, timeoutMs })
  timings[name] = Date.now() - started
  return r
}

t.teardown(async () => {
  // Whatever happened above, leave no VM running on the machine.
  if (processesMentioning(qemuDir).length) await lab(['destroy', '--force'], { cwd: dir, env, timeoutMs: 120_000 })
  t.comment(
    `timings (s): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
      .join(', ')}`,
  )
})

t.test('lab up builds the lab from nothing', async (t) => {
  const r = await step('up', ['up'])
  t.equal(r.code, 0, r.stderr.split('\n').slice(-30).join('\n'))
  t.match(r.stdout, /lab is up in [\d.]+ s: base (built|reused), 3 nodes created, modules \d+ ok \/ \d+ changed \/ 0 failed, snapshot "ready" taken/)
  // The identity agent wrote the host name and /etc/hosts at first boot as the hosts module wants them.
  const status = JSON.parse((await lab(['status', '--json'], { cwd: dir, env })).stdout) as { nodes: Array<{ node: string; modules: Record<string, { status: string }> }> }
  t.same(
    status.nodes.map((n) => [n.node, n.modules.hosts?.status]),
    [
      ['master', 'ok'],
      ['node1', 'ok'],
      ['node2', 'ok'],
    ],
    'the first hosts step found nothing to do',
  )
})

t.test('every node has its own identity on the shared lab LAN', async (t) => {
  const ids = await step('exec', ['exec', 'all', '--', 'sh', '-c', 'echo $(hostname -f) $(cat /etc/machine-id) $(ip -4 -o addr show eth1 | awk "{print \\$4}")'])
  t.equal(ids.code, 0, ids.stderr)
  const rows = ids.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('|')[1]!.trim().split(' '))
  t.same(rows.map((r) => r[0]).sort(), ['master.localdomain', 'node1.localdomain', 'node2.localdomain'])
  t.equal(new Set(rows.map((r) => r[1])).size, 3, 'machine-ids all different')
  t.same(rows.map((r) => r[2]).sort(), ['192.168.56.10/24', '192.168.56.11/24', '192.168.56.12/24'])
  const ping = await lab(['exec', 'node2', '--', 'ping', '-c', '1', '-W', '5', '192.168.56.11'], { cwd: dir, env })
  t.equal(ping.code, 0, 'node2 reaches node1 over the lab LAN')
})

t.test('lab check passes on the built lab', async (t) => {
  const r = await step('check', ['check'])
  t.equal(r.code, 0, r.stdout)
  t.match(r.stdout, /^8 passed, 0 failed$/m, 'swarm, chrony ×2, service, http ×3, overlay')
  const json = JSON.parse((await lab(['check', '--json'], { cwd: dir, env })).stdout)
  t.equal(json.passed, true)
})

t.test('a second lab up finds nothing to do; a concurrent command is refused', async (t) => {
  const second = await step('second up', ['up'])
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, /base reused, 0 nodes created, modules applied already/)
  t.match(second.stderr, /modules skipped/)

  // `lab provision` holds the lab for a while: another command meanwhile is refused, naming it.
  const started = Date.now()
  const busyRun = spawn(process.execPath, [LAB_BIN, 'provision'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' } })
  let out = ''
  busyRun.stdout.on('data', (d) => (out += d))
  const lock = join(dir, '.lab', 'debian-swarm', 'lock')
  while (!existsSync(lock) && busyRun.exitCode === null) await new Promise((r) => setTimeout(r, 50))
  const busy = await lab(['status'], { cwd: dir, env })
  t.equal(busy.code, 4)
  t.match(busy.stderr, /this lab is busy: `lab provision` \(PID \d+\)/)
  const code = await new Promise<number>((r) => (busyRun.exitCode !== null ? r(busyRun.exitCode) : busyRun.on('exit', (c) => r(c ?? 1))))
  timings['no-op provision'] = Date.now() - started
  t.equal(code, 0)
  t.match(out, /\d+ ok, 0 changed, 0 failed/)
})

t.test('drift: provision --check shows it, provision repairs exactly it', async (t) => {
  t.equal((await lab(['exec', 'node1', '--', 'docker', 'swarm', 'leave', '--force'], { cwd: dir, env })).code, 0)
  t.equal((await lab(['exec', 'node2', '--', 'sh', '-c', 'echo "pool 2.debian.pool.ntp.org iburst" >> /etc/chrony/chrony.conf'], { cwd: dir, env })).code, 0)
  const broken = await lab(['check'], { cwd: dir, env })
  t.equal(broken.code, 1, 'the check sees the broken swarm')
  t.match(broken.stdout, /FAIL\s+swarm.*not in the swarm: node1/)
  const plan = await step('provision --check', ['provision', '--check'])
  t.equal(plan.code, 0, plan.stderr)
  t.match(plan.stdout, /changed swarm on node1/)
  t.match(plan.stdout, /changed chrony on node2[\s\S]*-pool 2\.debian\.pool\.ntp\.org iburst/)
  t.match(plan.stdout, /ok\s+chrony on node1/)
  const fix = await step('provision', ['provision'])
  t.equal(fix.code, 0, fix.stdout + fix.stderr)
  t.match(fix.stdout, /changed swarm on node1/)
  t.match(fix.stdout, /changed chrony on node2/)
  t.notMatch(fix.stdout, /changed (hosts|docker|service|overlay)/, 'nothing else was touched')
  const again = await lab(['provision'], { cwd: dir, env })
  t.match(again.stdout, /\d+ ok, 0 changed, 0 failed/)
  t.equal((await step('check after repair', ['check'])).code, 0)
})

t.test('reset puts the whole lab back to "ready"', async (t) => {
  await lab(['exec', 'all', '--', 'sh', '-c', 'echo broken > /root/broken; systemctl stop docker'], { cwd: dir, env })
  const r = await step('reset', ['reset'])
  t.equal(r.code, 0, r.stdout + r.stderr)
  // Restored at one instant, with a clock that continues from the snapshot, the swarm is healthy within
  // the reset's own verify: no node dropped, no task rescheduled.
  t.match(r.stdout, /reset master, node1, node2 to "ready" in [\d.]+ s; checks: 8 passed, 0 failed/)
  const check = await step('check after reset', ['check'])
  t.equal(check.code, 0, `every check passes after the reset:\n${check.stdout}`)
  const clock = await lab(['exec', 'all', '--', 'cat', '/sys/devices/system/clocksource/clocksource0/current_clocksource'], { cwd: dir, env })
  t.equal(clock.stdout.match(/\| hpet$/gm)?.length, 3, `every guest times with the HPET under emulation:\n${clock.stdout}`)
  const gone = await lab(['exec', 'all', '--', 'test', '!', '-e', '/root/broken'], { cwd: dir, env })
  t.equal(gone.code, 0, 'the change is gone everywhere')
})

t.test('snapshots of the whole lab', async (t) => {
  t.equal((await lab(['snapshot', 'save', 'exam'], { cwd: dir, env })).code, 0)
  const list = JSON.parse((await lab(['snapshot', 'list', '--json'], { cwd: dir, env })).stdout)
  t.same(
    list.map((n: { snapshots: string[] }) => n.snapshots),
    [
      ['clean', 'ready', 'exam'],
      ['clean', 'ready', 'exam'],
      ['clean', 'ready', 'exam'],
    ],
  )
  // The memory state each snapshot keeps, read from the qcow2 (savevm's vm-state): none for the clean
  // snapshot taken powered off, some for the live ones.
  for (const n of list as Array<{ node: string; memory: Record<string, number> }>) {
    t.equal(n.memory.clean, 0, `${n.node}: "clean" is of the disk only`)
    t.ok(n.memory.ready! > 0 && n.memory.exam! > 0, `${n.node}: memory state ready ${(n.memory.ready! / 1024 ** 2).toFixed(0)} MiB, exam ${(n.memory.exam! / 1024 ** 2).toFixed(0)} MiB`)
  }
  const text = (await lab(['snapshot', 'list'], { cwd: dir, env })).stdout
  t.match(text, /^\s*master\s+clean \(disk only\), ready \([\d.]+ [MG]iB\), exam \([\d.]+ [MG]iB\)/m, text)
  t.equal((await lab(['snapshot', 'delete', 'exam'], { cwd: dir, env })).code, 0)
})

t.test('status reports every node and the disk the clones use', async (t) => {
  const s = JSON.parse((await lab(['status', '--json'], { cwd: dir, env })).stdout)
  t.same(
    s.nodes.map((n: { state: string; ssh: { reachable: boolean } }) => [n.state, n.ssh.reachable]),
    [
      ['running', true],
      ['running', true],
      ['running', true],
    ],
  )
  const mib = (b: number) => (b / 1024 ** 2).toFixed(0)
  for (const n of s.nodes) {
    t.ok(n.snapshotMemoryBytes > 0, `${n.node}: the live "ready" snapshot holds memory`)
    // 768 MiB of guest memory: the balloon's free-page reporting keeps what the guest freed out of the snapshot.
    t.ok(n.snapshotMemoryBytes < 600 * 1024 ** 2, `${n.node}: snapshot memory ${mib(n.snapshotMemoryBytes)} MiB`)
    t.ok(n.diskBytes < 1024 ** 3, `${n.node}: a linked clone uses ${mib(n.diskBytes)} MiB`)
  }
  t.comment(
    `disk per clone (MiB): ${s.nodes.map((n: { diskBytes: number; snapshotMemoryBytes: number }) => `${mib(n.diskBytes - n.snapshotMemoryBytes)} disk + ${mib(n.snapshotMemoryBytes)} snapshot memory`).join(', ')}; base ${mib(s.base.diskBytes)}`,
  )
})

t.test('destroy leaves nothing behind', async (t) => {
  const r = await step('destroy', ['destroy', '--force'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /removed 4 VMs/)
  assertNoQemuLeft(t, qemuDir)
})
