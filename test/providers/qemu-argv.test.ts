import t from 'tap'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { qemuArgv, startVm, stopVm, vmFiles, vmPid, vmRunning, type VmSpec } from '../../src/providers/qemu/qemu-vm.js'

const files = vmFiles('/vms/node1')

function spec(over: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'node1',
    accel: 'tcg',
    cpus: 2,
    memoryMiB: 512,
    disk: '/vms/node1/disk.qcow2',
    kernel: { path: '/img/vmlinuz', initrd: '/img/initrd.img', append: 'root=/dev/vda rw console=ttyS0 net.ifnames=0' },
    sshPort: 2201,
    files,
    ...over,
  }
}

/** The value after each occurrence of `flag`. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []))
}

t.test('the reference command line, under TCG', async (t) => {
  const argv = qemuArgv(
    spec({
      seed: '/vms/node1/seed.iso',
      natMac: '52:54:01:56:00:10',
      lab: { vdeSocket: '/labs/demo/lab.ctl', mac: '52:54:00:56:00:10' },
      forwards: [
        { host: 8080, guest: 80 },
        { host: 5353, guest: 53, protocol: 'udp' },
      ],
    }),
  )
  t.same(argv, [
    '-name',
    'node1',
    '-accel',
    'tcg,thread=multi',
    '-smp',
    '2',
    '-cpu',
    'max',
    '-m',
    '512',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    'file:/vms/node1/serial.log',
    '-kernel',
    '/img/vmlinuz',
    '-initrd',
    '/img/initrd.img',
    '-append',
    'root=/dev/vda rw console=ttyS0 net.ifnames=0 clocksource=hpet',
    '-drive',
    'file=/vms/node1/disk.qcow2,if=virtio,format=qcow2,discard=unmap,node-name=disk0',
    '-drive',
    'file=/vms/node1/seed.iso,if=virtio,format=raw,readonly=on,node-name=seed0',
    '-netdev',
    'user,id=nat,hostfwd=tcp:127.0.0.1:2201-:22,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53',
    '-device',
    'virtio-net-pci,netdev=nat,mac=52:54:01:56:00:10',
    '-netdev',
    'vde,id=lab,sock=/labs/demo/lab.ctl',
    '-device',
    'virtio-net-pci,netdev=lab,mac=52:54:00:56:00:10',
    '-device',
    'virtio-balloon-pci,free-page-reporting=on',
    '-qmp',
    'unix:/vms/node1/qmp.sock,server=on,wait=off',
    '-pidfile',
    '/vms/node1/qemu.pid',
  ])
  t.notOk(argv.includes('-daemonize'), 'not -daemonize: it breaks exec: migration')
})

t.test('accelerators and their CPU models', async (t) => {
  const cases: [VmSpec['accel'], string, string][] = [
    ['tcg', 'tcg,thread=multi', 'max'],
    ['kvm', 'kvm', 'host'],
    ['hvf', 'hvf', 'host'],
    ['whpx', 'whpx', 'max'],
  ]
  for (const [accel, arg, cpu] of cases) {
    const argv = qemuArgv(spec({ accel }))
    t.same(values(argv, '-accel'), [arg], `${accel}: -accel ${arg}`)
    t.same(values(argv, '-cpu'), [cpu], `${accel}: -cpu ${cpu}`)
    // Only emulation needs the HPET: there the TSC jumps when a live snapshot is loaded.
    t.same(values(argv, '-append'), [`root=/dev/vda rw console=ttyS0 net.ifnames=0${accel === 'tcg' ? ' clocksource=hpet' : ''}`], `${accel}: kernel line`)
  }
})

t.test('disk boot, no seed, no lab NIC, resume from a snapshot', async (t) => {
  const argv = qemuArgv(spec({ kernel: undefined, loadvm: 'clean' }))
  t.same(values(argv, '-kernel'), [])
  t.same(values(argv, '-append'), [])
  t.same(values(argv, '-drive'), ['file=/vms/node1/disk.qcow2,if=virtio,format=qcow2,discard=unmap,node-name=disk0'])
  t.same(values(argv, '-netdev'), ['user,id=nat,hostfwd=tcp:127.0.0.1:2201-:22'])
  t.same(values(argv, '-device'), ['virtio-net-pci,netdev=nat', 'virtio-balloon-pci,free-page-reporting=on'])
  t.same(argv.slice(-2), ['-loadvm', 'clean'])
})

t.test('commas in paths are doubled where QEMU splits options', async (t) => {
  const argv = qemuArgv(spec({ name: 'a,b', disk: '/v,ms/d.qcow2', files: vmFiles('/r,un'), lab: { vdeSocket: '/l,ab.ctl', mac: '52:54:00:00:00:01' } }))
  t.same(values(argv, '-name'), ['a,,b'])
  t.match(values(argv, '-drive')[0], /^file=\/v,,ms\/d\.qcow2,if=virtio/)
  t.same(values(argv, '-qmp'), ['unix:/r,,un/qmp.sock,server=on,wait=off'])
  t.same(values(argv, '-netdev')[1], 'vde,id=lab,sock=/l,,ab.ctl')
})

t.test('start and stop a (fake) QEMU', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-qemu-vm-'))
  const saved = { ...process.env }
  t.teardown(async () => {
    process.env = saved
    await rm(dir, { recursive: true, force: true })
  })
  const qemu = join(dir, 'qemu-system-x86_64')
  const fake = join(dirname(fileURLToPath(import.meta.url)), 'fake-qemu.mjs')
  await writeFile(qemu, `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`)
  await chmod(qemu, 0o755)
  const vm = spec({ files: vmFiles(dir) })

  t.test('a QEMU that fails at once: its own words in the error', async (t) => {
    process.env.FAKE_QEMU_FAIL = '1'
    await t.rejects(startVm(vm, { qemu }), /QEMU stopped while starting node1 \(exit 1\):\n.*Could not open 'missing\.qcow2'/)
    delete process.env.FAKE_QEMU_FAIL
    t.equal(await vmRunning(vm.files), false)
  })

  t.test('a guest that powers off on the ACPI button', async (t) => {
    process.env.FAKE_QEMU_POWERDOWN = 'exit'
    const pid = await startVm(vm, { qemu })
    t.equal(await vmPid(vm.files), pid)
    await t.rejects(startVm(vm, { qemu }), /node1 is already running/)
    t.equal(await stopVm(vm.files, { graceMs: 5_000 }), 'powerdown')
    t.equal(await vmRunning(vm.files), false)
    t.equal(await stopVm(vm.files), 'not-running', 'stopping again is a no-op')
  })

  t.test('a guest that ignores it: QMP quit after the grace time', async (t) => {
    process.env.FAKE_QEMU_POWERDOWN = 'ignore'
    await startVm(vm, { qemu })
    const started = Date.now()
    t.equal(await stopVm(vm.files, { graceMs: 500 }), 'quit')
    t.ok(Date.now() - started >= 500, 'waited the grace time first')
  })

  t.test('a wedged QEMU: SIGKILL by the pid file', async (t) => {
    process.env.FAKE_QEMU_QUIT = 'ignore'
    await startVm(vm, { qemu })
    t.equal(await stopVm(vm.files, { graceMs: 0, quitMs: 500 }), 'killed')
    t.equal(await vmRunning(vm.files), false)
    delete process.env.FAKE_QEMU_QUIT
  })

  t.test('a pid file naming some other process is not ours', async (t) => {
    await writeFile(vm.files.pid, `${process.pid}\n`)
    t.equal(await vmPid(vm.files), undefined, 'our own test process does not carry that -pidfile')
    t.equal(await stopVm(vm.files, { graceMs: 0 }), 'not-running')
    t.equal(await readFile(vm.files.pid, 'utf8').catch(() => 'gone'), 'gone', 'the stale pid file is removed')
  })
})
