/**
 * `lab plan --commands --provider qemu`: the provider's own code runs with the plan's driver, which records
 * every program through a RecordingRunner answering like a machine with QEMU 7.2 and nothing else. The
 * lines are the ones `lab up` runs: keep them exact. Also: the provider has no dry-run branch left, its
 * decisions can be driven through a driver, and the accelerator probe goes through the runner.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RecordingRunner } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/qemu/fresh-machine.js'
import { QemuProvider } from '../../src/providers/qemu/provider.js'
import { PlanQemuDriver } from '../../src/providers/qemu/plan-driver.js'
import { chooseAccel } from '../../src/providers/qemu/accel.js'
import { osInfo } from '../../src/lab/os-catalog.js'
import type { BaseSource, NetworkSpec } from '../../src/providers/provider.js'
import { ROOT } from '../helpers/cli.js'
import { LabError } from '../../src/util/errors.js'

const NET: NetworkSpec = { lab: 'docker', cidr: '192.168.56.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }
const BASE = 'vmlab-base-rocky9-1a2b3c4d'
const ISO: BaseSource = { kind: 'iso', installIso: '/c/isos/Rocky-9.6-x86_64-minimal.iso', oemdrvIso: '/lab/media/oemdrv.iso' }
// No QEMU on PATH: the plan names the programs bare, whatever this machine has installed.
const ENV = { PATH: '/nonexistent' }

/** What `lab up` asks of the provider for a two-node lab (engine/commands-plan.ts in small). */
async function upLab(runner: RecordingRunner, source: BaseSource = ISO): Promise<QemuProvider> {
  const p = new QemuProvider({ lab: 'docker', runner, dataDir: '/q', env: ENV })
  await p.detect()
  const network = await p.ensureNetwork(NET)
  await p.createBase({ name: BASE, os: osInfo('rocky9'), cpus: 2, memoryMiB: 2048, diskGiB: 20, source, network, installTimeoutMs: 3_600_000 })
  await p.snapshotTake(BASE, 'vmlab-base')
  const nodes = ['master', 'node1']
  for (const [i, n] of nodes.entries()) {
    await p.cloneLinked({
      name: `vmlab-docker-${n}`,
      base: BASE,
      baseSnapshot: 'vmlab-base',
      cpus: 2,
      memoryMiB: 1024,
      mac: `52:54:00:5e:38:${(10 + i).toString(16).padStart(2, '0')}`,
      seedIso: `/lab/media/${n}-seed.iso`,
      network,
      forwards: n === 'master' ? [{ host: 8080, guest: 80 }] : [],
      initialSnapshot: 'clean',
    })
  }
  for (const n of nodes) await p.start(`vmlab-docker-${n}`)
  for (const n of nodes) await p.snapshotTake(`vmlab-docker-${n}`, 'ready', { live: true })
  return p
}

function boot(name: string, mem: number, drives: string[], nat: string, mac: string, extra: string[] = []): string {
  const d = `/q/vms/${name}`
  return [
    `qemu-system-x86_64 -name ${name} -accel tcg,thread=multi -smp 2 -cpu max -m ${mem} -nodefaults -no-user-config -display none -serial file:${d}/serial.log`,
    `-drive file=${d}/disk.qcow2,if=virtio,format=qcow2,discard=unmap,node-name=disk0`,
    ...drives,
    ...extra,
    `-netdev user,id=nat,${nat} -device virtio-net-pci,netdev=nat,mac=52:54:01:${mac}`,
    `-netdev vde,id=lab,sock=/q/networks/docker/ctl -device virtio-net-pci,netdev=lab,mac=52:54:00:${mac}`,
    `-device virtio-balloon-pci,free-page-reporting=on -qmp unix:${d}/qmp.sock,server=on,wait=off -pidfile ${d}/qemu.pid`,
  ].join(' ')
}

const GOLDEN = [
  'qemu-system-x86_64 --version',
  'vde_switch -s /q/networks/docker/ctl -d -p /q/networks/docker/vde_switch.pid -m 0700',
  `qemu-img create -f qcow2 /q/vms/${BASE}/disk.qcow2 20G`,
  boot(
    BASE,
    2048,
    ['-drive file=/c/isos/Rocky-9.6-x86_64-minimal.iso,media=cdrom,readonly=on,if=ide,index=0', '-drive file=/lab/media/oemdrv.iso,media=cdrom,readonly=on,if=ide,index=1'],
    'hostfwd=tcp:127.0.0.1:2222-:22',
    '00:00:01',
    ['-boot order=cd,once=d -no-reboot'],
  ),
  `qemu-img snapshot -l /q/vms/${BASE}/disk.qcow2`,
  `qemu-img snapshot -c vmlab-base /q/vms/${BASE}/disk.qcow2`,
  `qemu-img create -f qcow2 -F qcow2 -b /q/vms/${BASE}/disk.qcow2 /q/vms/vmlab-docker-master/disk.qcow2`,
  'qemu-img snapshot -c clean /q/vms/vmlab-docker-master/disk.qcow2',
  `qemu-img create -f qcow2 -F qcow2 -b /q/vms/${BASE}/disk.qcow2 /q/vms/vmlab-docker-node1/disk.qcow2`,
  'qemu-img snapshot -c clean /q/vms/vmlab-docker-node1/disk.qcow2',
  boot(
    'vmlab-docker-master',
    1024,
    ['-drive file=/q/vms/vmlab-docker-master/seed.iso,if=virtio,format=raw,readonly=on,node-name=seed0'],
    'hostfwd=tcp:127.0.0.1:2223-:22,hostfwd=tcp:127.0.0.1:8080-:80',
    '5e:38:0a',
  ),
  boot('vmlab-docker-node1', 1024, ['-drive file=/q/vms/vmlab-docker-node1/seed.iso,if=virtio,format=raw,readonly=on,node-name=seed0'], 'hostfwd=tcp:127.0.0.1:2224-:22', '5e:38:0b'),
  // The live snapshots go over each VM's monitor: only the check for the name shows.
  'qemu-img snapshot -l -U /q/vms/vmlab-docker-master/disk.qcow2',
  'qemu-img snapshot -l -U /q/vms/vmlab-docker-node1/disk.qcow2',
]

t.test('an ISO lab: switch, disk, one installer boot, base snapshot, overlays, boots, live snapshots, in order', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const p = await upLab(runner)
  t.same(runner.lines(), GOLDEN)
  t.equal(await p.state('vmlab-docker-master'), 'running', 'the plan keeps what it started')
  t.equal(await p.state(BASE), 'poweroff', 'the installer powered off')
  t.equal(await p.state('vmlab-docker-node2'), 'missing')
  t.same(await p.list('vmlab-docker-'), ['vmlab-docker-master', 'vmlab-docker-node1'])
  t.same(await p.sshEndpoint('vmlab-docker-node1'), { host: '127.0.0.1', port: 2224 })
})

t.test('an image lab: an overlay on the cached image, no installer boot; the clones boot its kernel', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  await upLab(runner, { kind: 'image', disk: '/c/images/debian12.qcow2', kernel: '/c/images/vmlinuz', initrd: '/c/images/initrd.img', append: 'root=/dev/vda1 console=ttyS0' })
  const lines = runner.lines()
  t.equal(lines[2], `qemu-img create -f qcow2 -F qcow2 -b /c/images/debian12.qcow2 /q/vms/${BASE}/disk.qcow2`)
  t.notOk(
    lines.some((l) => l.includes(`-name ${BASE}`)),
    'the base is never booted',
  )
  const boots = lines.filter((l) => l.startsWith('qemu-system-x86_64 -name'))
  t.equal(boots.length, 2)
  for (const b of boots) t.match(b, `-kernel /q/vms/${BASE}/vmlinuz -initrd /q/vms/${BASE}/initrd.img -append 'root=/dev/vda1 console=ttyS0 clocksource=hpet'`)
})

/** A provider on `driver` with a base made, and the options of a linked clone of it. */
async function withBase(runner: RecordingRunner, driver: PlanQemuDriver) {
  const p = new QemuProvider({ lab: 'docker', runner, driver, dataDir: '/q', env: ENV })
  await p.detect()
  const network = await p.ensureNetwork(NET)
  await p.createBase({ name: BASE, os: osInfo('rocky9'), cpus: 2, memoryMiB: 2048, diskGiB: 20, source: ISO, network, installTimeoutMs: 1000 })
  const clone = { base: BASE, baseSnapshot: 'vmlab-base', cpus: 1, memoryMiB: 512, seedIso: '/s.iso', network, initialSnapshot: 'clean' }
  return { p, clone }
}

t.test('the decisions are made with a driver: a taken forward is refused, a taken SSH port replaced', async (t) => {
  const taken = new Set([2223, 8080])
  class BusyPorts extends PlanQemuDriver {
    override async portFree(port: number): Promise<boolean> {
      return !taken.has(port)
    }
  }
  const runner = new RecordingRunner(freshMachine)
  const { p, clone } = await withBase(runner, new BusyPorts(runner))
  await p.cloneLinked({ ...clone, name: 'web', mac: '52:54:00:00:00:0a', forwards: [{ host: 8080, guest: 80 }] })
  t.same(await p.sshEndpoint('web'), { host: '127.0.0.1', port: 2224 }, '2223 was taken when the clone was made')
  await t.rejects(p.start('web'), /port 8080 on 127\.0\.0\.1, forwarded to web:80, is in use by another program/)
  t.equal(await p.state('web'), 'poweroff', 'not started')
  await p.cloneLinked({ ...clone, name: 'db', mac: '52:54:00:00:00:0b', forwards: [] })
  t.same(await p.sshEndpoint('db'), { host: '127.0.0.1', port: 2225 })
  taken.add(2225)
  await p.start('db')
  t.same(await p.sshEndpoint('db'), { host: '127.0.0.1', port: 2226 }, 'taken by the time it starts: another one, kept in its description')
  t.match(runner.lines().at(-1), /hostfwd=tcp:127\.0\.0\.1:2226-:22/)
  await t.rejects(p.cloneLinked({ ...clone, name: 'db', mac: '52:54:00:00:00:0c', forwards: [] }), /a QEMU VM named db exists already/)
})

t.test('an SSH port taken between the look and the bind (another lab starting): QEMU says so, another port is taken', async (t) => {
  let raced: number | undefined
  class RacedPorts extends PlanQemuDriver {
    override async startVm(qemu: string, spec: Parameters<PlanQemuDriver['startVm']>[1]): Promise<void> {
      const port = spec.sshPort
      // Free for portFree, gone when QEMU binds it: what a second `lab up` at the same moment does.
      if (port === raced) {
        throw new LabError(
          `QEMU stopped while starting web (exit 1): qemu-system-x86_64: -netdev user,id=nat,hostfwd=tcp:127.0.0.1:${port}-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:${port}-:22'`,
        )
      }
      return super.startVm(qemu, spec)
    }
  }
  const runner = new RecordingRunner(freshMachine)
  const { p, clone } = await withBase(runner, new RacedPorts(runner))
  await p.cloneLinked({ ...clone, name: 'web', mac: '52:54:00:00:00:0a', forwards: [] })
  const before = (await p.sshEndpoint('web')).port
  raced = before
  await p.start('web')
  const after = (await p.sshEndpoint('web')).port
  t.not(after, before, 'another port, kept in the description')
  t.match(runner.lines().at(-1), new RegExp(`hostfwd=tcp:127\\.0\\.0\\.1:${after}-:22`))
})

t.test('a data folder too deep for a socket path still works: the monitor socket gets a short stand-in', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const deep = `/home/teacher/${'a-rather-long-folder-name/'.repeat(3)}vmlab-qemu`
  const p = new QemuProvider({ lab: 'docker', runner, dataDir: deep, env: ENV })
  await p.detect()
  const network = await p.ensureNetwork(NET)
  await p.createBase({ name: BASE, os: osInfo('rocky9'), cpus: 2, memoryMiB: 2048, diskGiB: 20, source: ISO, network, installTimeoutMs: 1000 })
  t.equal(await p.state(BASE), 'poweroff')
  const boot = runner.lines().find((l) => l.startsWith('qemu-system-x86_64') && l.includes('-qmp'))
  const qmp = /-qmp unix:([^,]+),/.exec(boot ?? '')?.[1] ?? ''
  t.ok(qmp.length > 0 && Buffer.byteLength(qmp) <= 107, `the monitor socket fits: ${qmp}`)
  t.notOk(qmp.startsWith(deep), 'it is not in the deep folder')
})

t.test('the provider has no dry-run branch: it decides, its driver knows how', async (t) => {
  for (const file of ['provider.ts', 'qemu-vm.ts', 'vde-network.ts', 'qemu-img.ts', 'accel.ts', 'real-driver.ts', 'plan-driver.ts']) {
    t.notMatch(readFileSync(join(ROOT, 'src/providers/qemu', file), 'utf8'), /dryRun/, file)
  }
  t.notMatch(readFileSync(join(ROOT, 'src/providers/qemu/provider.ts'), 'utf8'), /from 'node:(fs|fs\/promises|net|child_process)'/, 'no files, sockets or processes of its own')
})

t.test('the accelerator probe boots QEMU through the runner: KVM when clearly faster, else TCG with the reason', async (t) => {
  const kvm = join(t.testdir({}), 'kvm')
  writeFileSync(kvm, '')
  const exit3 = new RecordingRunner(() => ({ exitCode: 3 }))
  t.same(await chooseAccel(exit3, '/usr/bin/qemu-system-x86_64', {}, kvm), { accel: 'kvm' })
  t.same(
    exit3.commands.map((c) => [c[0], c[1], c[2]]),
    [
      ['/usr/bin/qemu-system-x86_64', '-accel', 'kvm'],
      ['/usr/bin/qemu-system-x86_64', '-accel', 'tcg'],
    ],
  )
  t.match(exit3.commands[0]!.join(' '), /-device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive file=\S+\/boot\.img,format=raw,if=ide -no-reboot$/)
  const kvmFails = new RecordingRunner((_file, args) => ({ exitCode: args[1] === 'kvm' ? 1 : 3 }))
  t.match(await chooseAccel(kvmFails, 'qemu', {}, kvm), { accel: 'tcg', note: /KVM is present but does not work/ })
  const forced = new RecordingRunner(() => ({}))
  t.same(await chooseAccel(forced, 'qemu', { VMLAB_QEMU_ACCEL: 'tcg' }, kvm), { accel: 'tcg' })
  t.match(await chooseAccel(forced, 'qemu', {}, join(kvm, 'missing')), { accel: 'tcg', note: /no usable \/dev\/kvm/ })
  t.same(forced.commands, [], 'forced, or no KVM: nothing is started')
})
