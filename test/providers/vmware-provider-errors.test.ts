import t from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readVmx } from '../../src/providers/vmware/vmx.js'
import { BASE, baseSpec, FIXTURES, installMedia, LAB_CIDR, SIM_BIN, simHost } from './vmware-sim-helpers.js'

const NETWORK = { lab: 'swarm', cidr: LAB_CIDR, prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }

t.test('VMware Workstation Player is refused with the way out', async (t) => {
  const p = simHost(t, { VMLAB_SIM_VMWARE_PRODUCT: 'player' }).provider()
  const info = await p.detect()
  t.equal(info.product, 'VMware Workstation Player')
  t.same(info.problems, [
    {
      problem: 'VMware Workstation Player cannot take snapshots or make linked clones, and vmlab needs both',
      fix: 'install VMware Workstation Pro (free for personal use since 2024; it replaces Player and keeps your VMs), then run the command again',
      fatal: true,
    },
  ])
})

t.test("a lab whose subnet is not vmnet1's", async (t) => {
  const h = simHost(t, { VMLAB_VMWARE_NETWORKING: join(FIXTURES, 'networking-linux') })
  const p = h.provider()
  const info = await p.detect()
  t.equal(info.problems.length, 1)
  t.match(info.problems[0], { fatal: true, problem: /vmnet1 uses 192\.168\.181\.0\/24, but the lab's network is 192\.168\.56\.0\/24/ })
  await t.rejects(p.ensureNetwork(NETWORK), {
    name: 'LabError',
    message: /^lab "swarm": VMware's host-only network vmnet1 uses 192\.168\.181\.0\/24/,
    hint: /change the lab's network\.cidr to 192\.168\.181\.0\/24, or change vmnet1 to subnet 192\.168\.56\.0 mask 255\.255\.255\.0/,
  })
  t.same(await p.ensureNetwork({ ...NETWORK, cidr: '10.10.20.0/24' }), { id: 'vmnet2', created: false }, 'a custom host-only vmnet fits')
})

t.test('a custom vmnet is attached as such', async (t) => {
  const h = simHost(t, { VMLAB_VMWARE_NETWORKING: join(FIXTURES, 'networking-linux') })
  const p = h.provider({ labCidr: '10.10.20.0/24' })
  t.same((await p.detect()).problems, [])
  const network = await p.ensureNetwork({ ...NETWORK, cidr: '10.10.20.0/24' })
  await p.removeNetwork(network)
  const image = join(h.isoDir, 'disk.vmdk')
  await h.runner.run(join(SIM_BIN, 'vmware-vdiskmanager'), ['-c', '-s', '1GB', '-a', 'lsilogic', '-t', '0', image])
  await p.createBase(baseSpec(network, { kind: 'image', disk: image }))
  const vmx = readVmx(join(h.vmsDir, BASE, `${BASE}.vmx`))
  t.equal(vmx.get('ethernet1.connectionType'), 'custom')
  t.equal(vmx.get('ethernet1.vnet'), 'vmnet2')
  await p.destroy(BASE)
})

t.test('no VMware at all', async (t) => {
  const h = simHost(t)
  const p = h.provider({ env: { ...h.env, PATH: '/nonexistent' } })
  const info = await p.detect()
  t.equal(info.binary, '')
  t.match(info.problems[0], { fatal: true, problem: /VMware is not installed: no vmrun/ })
  await t.rejects(p.createBase(baseSpec({ id: 'vmnet1', created: false }, { kind: 'iso', ...installMedia(h) })), {
    // a problem of this machine, not of the lab: exit code 3, as every missing hypervisor
    name: 'HostError',
    exitCode: 3,
    message: 'VMware Workstation Pro / Fusion is not installed (no vmrun found)',
  })
})

t.test('a VM that does not exist', async (t) => {
  const p = simHost(t).provider()
  for (const op of [() => p.start('vmlab-nope'), () => p.stop('vmlab-nope'), () => p.snapshotList('vmlab-nope'), () => p.snapshotTake('vmlab-nope', 'x')]) {
    await t.rejects<unknown>(op(), { name: 'LabError', message: /VMware VM "vmlab-nope" does not exist/ })
  }
  t.equal(await p.state('vmlab-nope'), 'missing')
  await t.rejects(p.start('../etc'), { name: 'InputError' })
})

t.test('a base from a ready .vmdk: copied in, no install, snapshot taken', async (t) => {
  const h = simHost(t, { VMLAB_SIM_HOST_OS: 'windows' })
  const p = h.provider()
  const image = join(h.root, 'iso', 'debian12.vmdk')
  const r = await h.runner.run(join(SIM_BIN, 'vmware-vdiskmanager'), ['-c', '-s', '2GB', '-a', 'lsilogic', '-t', '1', image])
  t.match(r.stdout, /Virtual disk creation successful\.\r\n/, 'a Windows host answers with CRLF')
  const network = await p.ensureNetwork(NETWORK)
  await p.createBase(baseSpec(network, { kind: 'image', disk: image }))
  const dir = join(h.vmsDir, BASE)
  t.ok(existsSync(join(dir, 'debian12.vmdk')), 'the image keeps its name')
  t.ok(existsSync(join(dir, 'debian12-s001.vmdk')), 'extent files travel with the descriptor')
  t.same(await p.snapshotList(BASE), ['base'])
  await p.start(BASE)
  t.equal(await p.state(BASE), 'running', 'CRLF list output still matches')
  await p.destroy(BASE)
  t.same(readdirSync(h.vmsDir), [])
  await t.rejects(p.createBase(baseSpec(network, { kind: 'image', disk: join(h.root, 'x.qcow2') })), { name: 'InputError', hint: /qemu-img convert -O vmdk/ })
})

t.test('a soft stop through VMware Tools', async (t) => {
  const h = simHost(t, { VMLAB_SIM_VMWARE_TOOLS: '1' })
  const p = h.provider()
  const network = await p.ensureNetwork(NETWORK)
  await p.createBase(baseSpec(network, { kind: 'iso', ...installMedia(h) }))
  await p.start(BASE)
  await p.stop(BASE, { timeoutMs: 5000 })
  t.equal(await p.state(BASE), 'poweroff')
  const log = readdirSync(join(h.vmsDir, BASE)).includes(`${BASE}.vmx`) ? readVmx(join(h.vmsDir, BASE, `${BASE}.vmx`)) : undefined
  t.equal(log?.get('softPowerOff'), 'TRUE', 'the guest shut itself down')
  await p.destroy(BASE)
})

t.test('an installer that does not finish: error with the end of vmware.log', async (t) => {
  const h = simHost(t, { VMLAB_SIM_INSTALL_SECONDS: '60' })
  const p = h.provider()
  const network = await p.ensureNetwork(NETWORK)
  await t.rejects(p.createBase(baseSpec(network, { kind: 'iso', ...installMedia(h) }, { installTimeoutMs: 300 })), {
    name: 'LabError',
    message: /unattended install of "vmlab-base-rocky9-1a2b3c4d" did not finish/,
    hint: /end of vmware\.log:\n.*booting the installer from an OEMDRV kickstart disc/s,
  })
  t.equal(await p.state(BASE), 'running')
  await p.destroy(BASE)
  t.same(readdirSync(h.vmsDir), [], 'a running VM is powered off and deleted')
})

t.test('vmrun errors: exit 0 with Error:, lock retries, typed errors', async (t) => {
  const h = simHost(t, { VMLAB_SIM_FAIL: 'snapshot:0=Error: The operation was canceled,list=Error: The file is already in use' })
  const p = h.provider({ labCidr: undefined })
  const network = await p.ensureNetwork(NETWORK)
  await t.rejects(p.createBase(baseSpec(network, { kind: 'iso', ...installMedia(h) })), {
    name: 'VmrunError',
    kind: 'canceled',
    message: /vmrun -T ws snapshot .* base failed \(exit 0\): Error: The operation was canceled/,
  })
  t.equal(await p.state(BASE), 'poweroff', 'the first `list` hit a lock and was retried')
})

t.test('destroy waits out the files a stopped VM still holds, with the default back-off', async (t) => {
  const h = simHost(t)
  const p = h.provider({ lockRetryMs: undefined })
  const network = await p.ensureNetwork(NETWORK)
  await p.createBase(baseSpec(network, { kind: 'iso', ...installMedia(h) }))
  await p.start(BASE)
  // From here on, a VM that powers off keeps its files held for 12 s (a loaded host), longer than the old 10 s of retries.
  h.env.VMLAB_SIM_LOCK_SECONDS = '12'
  const started = Date.now()
  await p.destroy(BASE)
  t.ok(Date.now() - started >= 12_000, 'it waited for VMware to let go')
  t.same(readdirSync(h.vmsDir), [], 'and then deleted the VM')
})
