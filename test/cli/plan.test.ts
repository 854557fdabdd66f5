import t from 'tap'
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { lab, ROOT } from '../helpers/cli.js'
import { snapshotTree } from '../helpers/tree.js'

t.test('plan --json lists VMs, addresses, MACs and modules per node, and writes nothing', async (t) => {
  const dir = t.testdir({})
  const before = snapshotTree(dir)
  const r = await lab(['plan', join(ROOT, 'labs/swarm.yaml'), '--provider', 'virtualbox', '--json'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  const plan = JSON.parse(r.stdout)
  t.match(plan, { lab: 'swarm', os: { id: 'rocky9', family: 'el9' }, provider: { name: 'virtualbox', chosen: 'flag' } })
  t.same(plan.network, { cidr: '192.168.56.0/24', hostIp: '192.168.56.1', netmask: '255.255.255.0', domain: 'localdomain' })
  t.same(
    plan.vms.map((v: { name: string; fqdn: string; ip: string; memoryMiB: number }) => [v.name, v.fqdn, v.ip, v.memoryMiB]),
    [
      ['vmlab-swarm-master', 'master.localdomain', '192.168.56.10', 2048],
      ['vmlab-swarm-node1', 'node1.localdomain', '192.168.56.11', 1536],
      ['vmlab-swarm-node2', 'node2.localdomain', '192.168.56.12', 1536],
    ],
  )
  for (const v of plan.vms) t.match(v.mac, /^08:00:27:[0-9a-f]{2}:38:0[a-c]$/, 'VirtualBox MAC range, unique per node')
  const swarm = plan.modules.find((m: { module: string }) => m.module === 'swarm')
  t.same(swarm.targets, [
    { node: 'master', role: 'manager' },
    { node: 'node1', role: 'worker' },
    { node: 'node2', role: 'worker' },
  ])
  t.same(snapshotTree(dir), before, 'nothing written')
})

t.test('MACs follow the provider: VMware static range, QEMU range', async (t) => {
  const vm = JSON.parse((await lab(['plan', 'swarm', '--provider', 'vmware', '--json'])).stdout)
  for (const v of vm.vms) t.match(v.mac, /^00:50:56:[0-3][0-9a-f]:/)
  const q = JSON.parse((await lab(['plan', 'swarm', '--provider', 'qemu', '--json'])).stdout)
  for (const v of q.vms) t.match(v.mac, /^52:54:00:/)
})

t.test('auto with no hypervisor installed: clear error; unknown provider: bad input', async (t) => {
  const none = await lab(['plan', 'swarm'], { env: { PATH: '/nonexistent' } })
  t.equal(none.code, 3, 'exit 3: this machine is not ready (the exit-code table)')
  t.match(none.stderr, /no hypervisor found/)
  t.match(none.stderr, /hint: install VirtualBox/)
  const bad = await lab(['plan', 'swarm', '--provider', 'hyperv'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /unknown provider 'hyperv'/)
})

t.test('human plan output names the provider and every VM', async (t) => {
  const r = await lab(['plan', 'registry', '--provider', 'qemu'])
  t.equal(r.code, 0)
  t.match(r.stdout, /provider\s+qemu \(from the flag\)/)
  t.match(r.stdout, /vmlab-registry-master\s+master\.localdomain\s+192\.168\.56\.20/)
  t.match(r.stdout, /registry\s+master \(registry\), node1 \(client\)/)
})

t.test('plan --commands --provider qemu: the qemu-img, vde_switch and qemu-system commands of `lab up`, in order, and writes nothing', async (t) => {
  const dir = t.testdir({})
  const before = snapshotTree(dir)
  // No QEMU on PATH: bare program names on every machine. The VM folders would be made in a short folder of
  // their own: a VM's monitor socket path must fit in 107 bytes, which the test folder's long name does not.
  const q = mkdtempSync(join(tmpdir(), 'vmlab-plan-'))
  t.teardown(() => rmSync(q, { recursive: true, force: true }))
  const qBefore = snapshotTree(q)
  const r = await lab(['plan', join(ROOT, 'labs/swarm.yaml'), '--commands', '--provider', 'qemu'], { cwd: dir, env: { PATH: '/nonexistent', VMLAB_QEMU_DIR: q } })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  const base = `${q}/vms/vmlab-base-rocky9-xxxxxxxx`
  t.same(
    lines.map((l) => l.split(' ').slice(0, 3).join(' ')),
    [
      'qemu-system-x86_64 --version',
      `vde_switch -s ${q}/networks/swarm/ctl`,
      'qemu-img create -f',
      'qemu-system-x86_64 -name vmlab-base-rocky9-xxxxxxxx',
      'qemu-img snapshot -l',
      'qemu-img snapshot -c',
      ...['master', 'node1', 'node2'].flatMap(() => ['qemu-img create -f', 'qemu-img snapshot -c']),
      ...['master', 'node1', 'node2'].map((n) => `qemu-system-x86_64 -name vmlab-swarm-${n}`),
      ...['master', 'node1', 'node2'].map(() => 'qemu-img snapshot -l'),
    ],
  )
  t.equal(lines[2], `qemu-img create -f qcow2 ${base}/disk.qcow2 20G`)
  t.match(lines[3], /-drive file=\S+\/Rocky-9\.6-x86_64-minimal\.iso,media=cdrom,readonly=on,if=ide,index=0 -drive file=\S+\/vmlab-base-rocky9-xxxxxxxx-oemdrv\.iso,media=cdrom/)
  t.equal(lines[5], `qemu-img snapshot -c vmlab-base ${base}/disk.qcow2`)
  t.equal(lines[6], `qemu-img create -f qcow2 -F qcow2 -b ${base}/disk.qcow2 ${q}/vms/vmlab-swarm-master/disk.qcow2`)
  t.match(lines[12], /-drive file=\S+\/vms\/vmlab-swarm-master\/seed\.iso,if=virtio,format=raw,readonly=on.* -netdev user,id=nat,hostfwd=tcp:127\.0\.0\.1:2223-:22,hostfwd=tcp:127\.0\.0\.1:8080-:8080/)
  t.equal(lines[15], `qemu-img snapshot -l -U ${q}/vms/vmlab-swarm-master/disk.qcow2`, 'the ready snapshots are live, over the monitor')
  t.same(snapshotTree(dir), before, 'nothing written')
  t.same(snapshotTree(q), qBefore, 'nothing written in the QEMU data folder')
})

t.test('an aarch64 lab planned as on an Apple Silicon Mac (VMLAB_HOST): VirtualBox ARM, Fusion arm64, QEMU with HVF; validate refuses x86 there', async (t) => {
  const labFile = (provider: string, arch = '') => `name: arm\nos: rocky9\nprovider: ${provider}\n${arch}network:\n  cidr: 192.168.56.0/24\nnodes:\n  - name: master\n`
  const dir = t.testdir({ 'vbox.yaml': labFile('virtualbox'), 'fusion.yaml': labFile('vmware'), 'qemu.yaml': labFile('qemu', 'arch: aarch64\n'), 'x86.yaml': labFile('vmware', 'arch: x86_64\n') })
  const q = mkdtempSync(join(tmpdir(), 'vmlab-plan-'))
  t.teardown(() => rmSync(q, { recursive: true, force: true }))
  const env = { PATH: '/nonexistent', VMLAB_HOST: 'darwin/arm64', VMLAB_QEMU_DIR: q }
  const vbox = await lab(['plan', 'vbox.yaml', '--commands'], { cwd: dir, env })
  t.equal(vbox.code, 0, vbox.stderr)
  t.match(vbox.stdout, /^VBoxManage createvm --name vmlab-base-rocky9-\S+ --platform-architecture arm --ostype RedHat_arm64 --register/m)
  t.match(vbox.stdout, /--firmware efi --chipset armv8virtual/)
  t.match(vbox.stdout, /Rocky-9\.6-aarch64-minimal\.iso/)
  const fusion = await lab(['plan', 'fusion.yaml', '--json'], { cwd: dir, env })
  t.match(JSON.parse(fusion.stdout), { os: { id: 'rocky9', arch: 'aarch64' }, provider: { name: 'vmware' } })
  const qemu = await lab(['plan', 'qemu.yaml', '--commands'], { cwd: dir, env })
  t.equal(qemu.code, 0, qemu.stderr)
  t.match(qemu.stdout, /^qemu-system-aarch64 -name vmlab-base-rocky9-\S+ -machine virt -accel hvf -smp 2 -cpu host /m)
  const x86 = await lab(['validate', 'x86.yaml'], { cwd: dir, env })
  t.not(x86.code, 0)
  t.match(x86.stderr, /x86\.yaml:4:7.*x86_64 guests: VMware Fusion on Apple Silicon runs arm64 guests only/s)
})
