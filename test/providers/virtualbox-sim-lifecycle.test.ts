/**
 * The whole life of a lab against the VBoxManage simulator: detect, network, unattended base install,
 * three linked clones, start, live snapshot, stop, restore, destroy, and nothing left behind.
 */
import t from 'tap'
import { readdirSync } from 'node:fs'
import { LabError } from '../../src/util/errors.js'
import { parseVmInfo } from '../../src/providers/virtualbox/vm-info.js'
import { parseDvds, parseHdds, parseHostOnlyIfs, parseVmList } from '../../src/providers/virtualbox/lists.js'
import { baseSpec, cloneSpec, filesUnder, LAB_NET, simHost } from './virtualbox-sim-helpers.js'

// Every VBoxManage call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(300_000)

t.test('a three-node lab from install to nothing', async (t) => {
  const h = simHost(t)
  const p = h.provider({ labNetwork: LAB_NET })

  const info = await p.detect()
  t.same([info.name, info.version, info.product, info.problems], ['virtualbox', '7.0.14', 'VirtualBox 7.0', []])

  const net = await p.ensureNetwork(LAB_NET)
  t.same(net, { id: 'vboxnet0', created: true })
  t.same(await p.ensureNetwork(LAB_NET), { id: 'vboxnet0', created: false }, 'found again by its address')
  const ifs = parseHostOnlyIfs((await h.vbox('list', 'hostonlyifs')).stdout)
  t.same(
    ifs.map((i) => [i.name, i.ip, i.netmask]),
    [['vboxnet0', '192.168.56.1', '255.255.255.0']],
  )

  const base = baseSpec(h, net)
  await p.createBase(base)
  t.equal(await p.state(base.name), 'poweroff', 'the installer powered the VM off')
  t.same(await p.snapshotList(base.name), ['base'])
  const baseInfo = parseVmInfo((await h.vbox('showvminfo', base.name, '--machinereadable')).stdout)
  t.equal(baseInfo.storage.get('SATA-1-0'), 'none', 'install DVD detached')
  t.equal(baseInfo.storage.get('SATA-2-0'), 'none', 'OEMDRV detached')
  t.same(parseDvds((await h.vbox('list', 'dvds')).stdout), [], 'and both closed: VirtualBox lists no DVD image')
  t.match(baseInfo.storage.get('SATA-0-0'), /vmlab-base-rocky9-test/)
  t.equal(baseInfo.nics.get(2)?.hostOnlyAdapter, 'vboxnet0')
  t.ok(
    h.calls.some((c) => c[0] === 'controlvm' && c[2] === 'keyboardputscancode' && c.slice(3).join(' ') === 'e0 48 e0 c8'),
    'typed <up> at the boot menu',
  )

  const nodes = ['master', 'node1', 'node2']
  const specs = nodes.map((n, i) => cloneSpec(h, net, n, i))
  for (const spec of specs) await p.cloneLinked(spec)
  for (const spec of specs) {
    const vm = parseVmInfo((await h.vbox('showvminfo', spec.name, '--machinereadable')).stdout)
    t.equal(vm.nics.get(2)?.mac, spec.mac.replace(/:/g, '').toUpperCase(), `${spec.name} MAC`)
    t.equal(vm.storage.get('SATA-1-0'), spec.seedIso, `${spec.name} seed disc`)
    t.same(await p.snapshotList(spec.name), ['initial'])
  }
  const endpoints = await Promise.all(specs.map((s) => p.sshEndpoint(s.name, '192.168.56.10')))
  t.ok(endpoints.every((e) => e.host === '127.0.0.1'))
  t.equal(new Set(endpoints.map((e) => e.port)).size, 3, 'every node has its own SSH port')
  t.notOk(
    endpoints.some((e) => e.port === 2222),
    "the base's port stays the base's",
  )
  const master = parseVmInfo((await h.vbox('showvminfo', specs[0]!.name, '--machinereadable')).stdout)
  t.same(
    master.nics
      .get(1)
      ?.forwards.map((f) => f.name)
      .sort(),
    ['ssh', 'tcp-8080'],
  )

  for (const spec of specs) await p.start(spec.name)
  for (const spec of specs) t.equal(await p.state(spec.name), 'running', `${spec.name} runs`)
  await p.start(specs[0]!.name)
  t.equal(await p.state(specs[0]!.name), 'running', 'starting a running VM changes nothing')

  await p.snapshotTake(specs[0]!.name, 'live', { live: true })
  await p.snapshotTake(specs[0]!.name, 'live', { live: true })
  t.same(await p.snapshotList(specs[0]!.name), ['initial', 'live'], 'no duplicate snapshot')
  t.equal(await p.state(specs[0]!.name), 'running', 'a live snapshot keeps it running')

  await p.stop(specs[0]!.name)
  await p.stop(specs[1]!.name, { force: true })
  await p.stop(specs[2]!.name, { timeoutMs: 3000 })
  for (const spec of specs) t.equal(await p.state(spec.name), 'poweroff', `${spec.name} is off`)
  t.ok(
    h.calls.some((c) => c[0] === 'controlvm' && c[2] === 'acpipowerbutton'),
    'asked the guest first',
  )
  const callsBefore = h.calls.length
  await p.stop(specs[0]!.name)
  t.same(
    h.calls.slice(callsBefore).map((c) => c[0]),
    ['showvminfo'],
    'stopping a stopped VM only looks',
  )

  await p.snapshotRestore(specs[0]!.name, 'live')
  t.equal(await p.state(specs[0]!.name), 'saved', 'a snapshot taken while running brings its memory back')
  await p.start(specs[0]!.name)
  t.equal(await p.state(specs[0]!.name), 'running', 'and startvm resumes it')
  await p.snapshotRestore(specs[0]!.name, 'initial')
  t.equal(await p.state(specs[0]!.name), 'poweroff', 'a running VM is powered off for the restore; a snapshot taken powered off leaves it off')
  t.equal((await h.vbox('showvminfo', specs[0]!.name, '--machinereadable')).stdout.match(/CurrentSnapshotName="(.*)"/)?.[1], 'initial')
  await t.rejects(p.snapshotRestore(specs[0]!.name, 'nope'), { message: /has no snapshot named 'nope'/, hint: /initial, live/ })
  await p.snapshotTake(specs[1]!.name, 'extra')
  await p.snapshotDelete(specs[1]!.name, 'extra')
  await p.snapshotDelete(specs[1]!.name, 'extra')
  t.same(await p.snapshotList(specs[1]!.name), ['initial'])

  t.same((await p.list('vmlab-')).sort(), [base.name, ...specs.map((s) => s.name)].sort())
  t.same(
    await p.list('vmlab-demo-'),
    specs.map((s) => s.name),
  )

  const err = await p.destroy(base.name).catch((e: unknown) => e)
  t.ok(err instanceof LabError, 'the base refuses while clones use it')
  t.match((err as LabError).message, /vmlab-demo-master, vmlab-demo-node1, vmlab-demo-node2/)
  t.match((err as LabError).hint, /destroy the lab's nodes first/)
  t.ok(
    parseVmList((await h.vbox('list', 'vms')).stdout).some((v) => v.name === base.name),
    'and stays registered',
  )

  await p.start(specs[1]!.name)
  for (const spec of specs) await p.destroy(spec.name)
  await p.destroy(base.name)
  await p.destroy(base.name)
  t.equal(await p.state(base.name), 'missing')
  await p.removeNetwork(net)
  await p.removeNetwork(net)

  t.same(parseVmList((await h.vbox('list', 'vms')).stdout), [])
  t.same(parseHostOnlyIfs((await h.vbox('list', 'hostonlyifs')).stdout), [])
  t.same(parseHdds((await h.vbox('list', 'hdds')).stdout), [])
  t.same(filesUnder(h.vmFolder), [], 'no file left in the VM folder')
  t.same(parseDvds((await h.vbox('list', 'dvds')).stdout), [], 'no seed disc registered')
  t.same(readdirSync(h.vmFolder), [], 'no empty vmlab group folder either')
})

t.test('a network someone else made is reused and never removed', async (t) => {
  const h = simHost(t)
  await h.vbox('hostonlyif', 'create')
  await h.vbox('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.56.1', '--netmask', '255.255.255.0')
  const p = h.provider()
  const net = await p.ensureNetwork(LAB_NET)
  t.same(net, { id: 'vboxnet0', created: false })
  await p.removeNetwork(net)
  t.equal(parseHostOnlyIfs((await h.vbox('list', 'hostonlyifs')).stdout).length, 1)
})
