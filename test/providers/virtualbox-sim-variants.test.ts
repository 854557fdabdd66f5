/**
 * Error paths and host variants against the VBoxManage simulator: missing VMs, locked sessions,
 * networks.conf, the kernel module, VirtualBox 6.1, macOS host-only networks, Windows output.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LabError } from '../../src/util/errors.js'
import { VBoxError } from '../../src/providers/virtualbox/vbox-error.js'
import { LOCK_RETRY } from '../../src/util/retry.js'
import { parseDvds, parseHostOnlyIfs, parseHostOnlyNets, parseVmList } from '../../src/providers/virtualbox/lists.js'
import { parseVmInfo } from '../../src/providers/virtualbox/vm-info.js'
import { baseSpec, cloneSpec, filesUnder, LAB_NET, simHost } from './virtualbox-sim-helpers.js'

const WIDE_NET = { lab: 'wide', cidr: '10.10.0.0/16', prefix: 16, netmask: '255.255.0.0', hostIp: '10.10.0.1' }

// Every VBoxManage call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(300_000)

t.test('a VM that does not exist', async (t) => {
  const h = simHost(t)
  const p = h.provider()
  t.equal(await p.state('vmlab-nope'), 'missing')
  const err = await p.start('vmlab-nope').catch((e: unknown) => e)
  t.ok(err instanceof VBoxError)
  t.equal((err as VBoxError).codeName, 'VBOX_E_OBJECT_NOT_FOUND')
  t.match((err as VBoxError).message, /startvm vmlab-nope --type headless failed: Could not find a registered machine named 'vmlab-nope'/)
  t.match((err as VBoxError).hint, /VBoxManage list vms/)
  await t.rejects(p.stop('vmlab-nope'), { name: 'VBoxError', codeName: 'VBOX_E_OBJECT_NOT_FOUND' })
  await t.rejects(p.snapshotList('vmlab-nope'), { name: 'VBoxError', codeName: 'VBOX_E_OBJECT_NOT_FOUND' })
  await p.destroy('vmlab-nope')
  t.same(await p.list('vmlab-'), [])
})

/** A registered, stopped VM without disks: enough for power and snapshot commands. */
async function bareVm(h: ReturnType<typeof simHost>, name: string): Promise<void> {
  await h.vbox('createvm', '--name', name, '--ostype', 'RedHat_64', '--register', '--basefolder', h.vmFolder)
}

t.test('a session still locked after a power-off is waited out', async (t) => {
  const h = simHost(t, { VMLAB_SIM_LOCK_SECONDS: '2' })
  const p = h.provider({ retry: { deadlineMs: 10_000, initialMs: 200, maxMs: 800 } })
  await bareVm(h, 'vmlab-lock')
  await p.start('vmlab-lock')
  await p.stop('vmlab-lock', { force: true })
  const before = h.calls.length
  await p.snapshotTake('vmlab-lock', 'after')
  // `snapshot list` then `snapshot take`: anything more is a retry of a locked call.
  const tries = h.calls.slice(before).filter((c) => c[0] === 'snapshot').length
  t.ok(tries > 2, `retried (${tries} calls for 2 commands)`)
  t.same(await p.snapshotList('vmlab-lock'), ['after'])
})

t.test('a lock that outlasts the retries ends in a clear error', async (t) => {
  const h = simHost(t, { VMLAB_SIM_LOCK_SECONDS: '30' })
  const p = h.provider({ retry: { deadlineMs: 3000, initialMs: 100, maxMs: 100 } })
  await bareVm(h, 'vmlab-stuck')
  await p.start('vmlab-stuck')
  await p.stop('vmlab-stuck', { force: true })
  const before = h.calls.length
  const err = await p.snapshotTake('vmlab-stuck', 'x').catch((e: unknown) => e)
  t.ok(err instanceof VBoxError)
  t.ok((err as VBoxError).transient)
  t.match((err as VBoxError).message, /already locked/)
  t.match((err as VBoxError).hint, /session lock of vmlab-stuck.*close its window in the VirtualBox GUI/)
  // `snapshot list` once, then `snapshot take` until the deadline (a busy machine fits fewer calls in it).
  t.ok(h.calls.slice(before).filter((c) => c[0] === 'snapshot').length >= 3, "retried until the deadline, then VirtualBox's own error")
})

t.test('destroy waits out an unregister refused for seconds after the power-off (the default back-off)', async (t) => {
  const h = simHost(t, { VMLAB_SIM_LOCK_SECONDS: '6' })
  const p = h.provider({ retry: LOCK_RETRY })
  await bareVm(h, 'vmlab-held')
  await p.start('vmlab-held')
  await p.destroy('vmlab-held')
  t.same(await p.list('vmlab-'), [], 'unregistered')
  t.ok(h.calls.filter((c) => c[0] === 'unregistervm').length > 1, 'after retries')
})

t.test('an install ISO another VM still uses stays registered after the base install; the OEMDRV disc is closed', async (t) => {
  const h = simHost(t)
  const p = h.provider({ labNetwork: LAB_NET })
  const net = await p.ensureNetwork(LAB_NET)
  const spec = baseSpec(h, net)
  const { installIso, oemdrvIso } = spec.source as { installIso: string; oemdrvIso: string }
  // Another base being installed from the same ISO, for another lab.
  await bareVm(h, 'vmlab-base-other')
  await h.vbox('storagectl', 'vmlab-base-other', '--name', 'SATA', '--add', 'sata', '--portcount', '3')
  await h.vbox('storageattach', 'vmlab-base-other', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', installIso)
  await p.createBase(spec)
  const dvds = parseDvds((await h.vbox('list', 'dvds')).stdout).map((d) => d.location)
  t.same(dvds, [installIso], 'the shared ISO stays for the VM that uses it; the OEMDRV disc is gone')
  t.notOk(dvds.includes(oemdrvIso))
  await p.destroy('vmlab-base-other')
  t.same(parseDvds((await h.vbox('list', 'dvds')).stdout), [], 'and its own destroy closes it')
})

t.test('"The object is not ready" is retried', async (t) => {
  const h = simHost(t, { VMLAB_SIM_FAIL: 'list:1' })
  const p = h.provider()
  t.same(await p.list('vmlab-'), [])
  t.equal(h.calls.filter((c) => c[0] === 'list').length, 2)
})

t.test('networks.conf: refused before anything is created, with the line to add', async (t) => {
  const h = simHost(t)
  const p = h.provider({ labNetwork: WIDE_NET })
  const info = await p.detect()
  t.equal(info.problems.length, 1)
  t.ok(info.problems[0]!.fatal)
  t.match(info.problems[0]!.fix, /\* 192\.168\.56\.0\/21 10\.10\.0\.0\/16/)
  const err = await p.ensureNetwork(WIDE_NET).catch((e: unknown) => e)
  t.ok(err instanceof LabError)
  t.match((err as LabError).hint, /networks\.conf/)
  t.notOk(
    h.calls.some((c) => c[0] === 'hostonlyif'),
    'no interface created',
  )
})

t.test('networks.conf: allowed ranges, the file from VMLAB_VBOX_NETWORKS_CONF', async (t) => {
  const h = simHost(t, { VMLAB_SIM_NETWORKS_CONF: '* 10.0.0.0/8\n' })
  const conf = join(h.root, 'allowed.conf')
  writeFileSync(conf, '# ours\n* 10.0.0.0/8\n')
  const p = h.provider({ labNetwork: WIDE_NET, networksConf: undefined, env: { VMLAB_VBOX_NETWORKS_CONF: conf } })
  t.same((await p.detect()).problems, [])
  const net = await p.ensureNetwork(WIDE_NET)
  t.same(net, { id: 'vboxnet0', created: true })
  t.same(
    parseHostOnlyIfs((await h.vbox('list', 'hostonlyifs')).stdout).map((i) => [i.ip, i.netmask]),
    [['10.10.0.1', '255.255.0.0']],
  )
})

t.test('networks.conf: an interface that already has the address needs no permission', async (t) => {
  const h = simHost(t, { VMLAB_SIM_NETWORKS_CONF: '* 10.0.0.0/8\n' })
  await h.vbox('hostonlyif', 'create')
  await h.vbox('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '10.10.0.1', '--netmask', '255.255.0.0')
  const p = h.provider({ labNetwork: WIDE_NET })
  t.same((await p.detect()).problems, [], 'our networks.conf (absent) would refuse it, the interface exists')
  t.same(await p.ensureNetwork(WIDE_NET), { id: 'vboxnet0', created: false })
})

t.test('the kernel module is missing', async (t) => {
  const h = simHost(t, { VMLAB_SIM_KERNEL_MODULE: 'missing' })
  const p = h.provider()
  const info = await p.detect()
  t.equal(info.version, '7.0.14', 'the warning does not hide the version')
  t.equal(info.problems.length, 1)
  t.ok(info.problems[0]!.fatal)
  t.match(info.problems[0]!.problem, /kernel module/)
  t.match(info.problems[0]!.fix, /sudo \/sbin\/vboxconfig/)
  await bareVm(h, 'vmlab-k')
  await t.rejects(p.start('vmlab-k'), { message: /terminated unexpectedly during startup/, hint: /sudo \/sbin\/vboxconfig/ })
})

t.test('VirtualBox too old', async (t) => {
  const h = simHost(t, { VMLAB_SIM_VBOX_VERSION: '6.0.24r139119' })
  const info = await h.provider().detect()
  t.match(info.problems.map((p) => p.problem).join('\n'), /6\.0\.24 is too old/)
})

t.test('no VBoxManage at all', async (t) => {
  const h = simHost(t)
  const p = h.provider({ binary: undefined, env: { PATH: h.root } })
  const info = await p.detect()
  t.equal(info.problems.length, 1)
  t.match(info.problems[0]!.fix, /install VirtualBox 7/)
})

t.test('VirtualBox 6.1 accepts what we run (the simulator refuses 7.x spellings there)', async (t) => {
  const h = simHost(t, { VMLAB_SIM_VBOX_VERSION: '6.1.50r161033' })
  const p = h.provider()
  t.equal((await p.detect()).product, 'VirtualBox 6.1')
  const net = await p.ensureNetwork(LAB_NET)
  await p.createBase(baseSpec(h, net))
  await p.cloneLinked(cloneSpec(h, net, 'master', 0))
  t.ok(h.calls.some((c) => c[0] === 'modifyvm' && c.includes('--audio') && c[c.indexOf('--audio') + 1] === 'none'))
  t.notOk(h.calls.some((c) => c.includes('--audio-enabled')))
  t.same(await p.snapshotList('vmlab-demo-master'), ['initial'])
})

t.test('macOS with VirtualBox 7: a host-only network instead of an interface', async (t) => {
  const h = simHost(t, { VMLAB_SIM_HOST_OS: 'darwin' })
  const p = h.provider({ platform: 'darwin', labNetwork: LAB_NET })
  t.same((await p.detect()).problems, [])
  const net = await p.ensureNetwork(LAB_NET)
  t.same(net, { id: 'vmlab-demo', created: true })
  t.same(await p.ensureNetwork(LAB_NET), { id: 'vmlab-demo', created: true }, 'found again by its name: still ours')
  t.same(parseHostOnlyNets((await h.vbox('list', 'hostonlynets')).stdout), [{ name: 'vmlab-demo', netmask: '255.255.255.0', lowerIp: '192.168.56.1', upperIp: '192.168.56.254', enabled: true }])
  t.notOk(h.calls.some((c) => c[0] === 'hostonlyif'))
  await p.createBase(baseSpec(h, net))
  const spec = cloneSpec(h, net, 'master', 0)
  await p.cloneLinked(spec)
  const vm = parseVmInfo((await h.vbox('showvminfo', spec.name, '--machinereadable')).stdout)
  t.same([vm.nics.get(2)?.attachment, vm.nics.get(2)?.hostOnlyNetwork], ['hostonlynetwork', 'vmlab-demo'])
  await p.start(spec.name)
  t.equal(await p.state(spec.name), 'running')
  await p.destroy(spec.name)
  await p.destroy('vmlab-base-rocky9-test')
  await p.removeNetwork(net)
  t.same(parseHostOnlyNets((await h.vbox('list', 'hostonlynets')).stdout), [])
  t.same(filesUnder(h.vmFolder), [])
})

t.test('Windows: VBoxManage.exe, CRLF, adapter names with spaces', async (t) => {
  const h = simHost(t, { VMLAB_SIM_HOST_OS: 'windows' })
  const p = h.provider({ platform: 'win32', labNetwork: { cidr: '10.20.0.0/24', prefix: 24, hostIp: '10.20.0.1' } })
  t.same((await p.detect()).problems, [], 'no address restriction on Windows')
  const net = await p.ensureNetwork({ lab: 'win', cidr: '10.20.0.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '10.20.0.1' })
  t.match(net.id, /^VirtualBox Host-Only Ethernet Adapter/)
  t.equal(net.created, true)
  await p.createBase(baseSpec(h, net))
  const spec = cloneSpec(h, net, 'master', 0)
  await p.cloneLinked(spec)
  const raw = (await h.vbox('showvminfo', spec.name, '--machinereadable')).stdout
  t.match(raw, /\r\n/, 'the simulator speaks CRLF here')
  t.equal(parseVmInfo(raw).nics.get(2)?.hostOnlyAdapter, net.id)
  t.same(await p.snapshotList(spec.name), ['initial'])
  await p.start(spec.name)
  t.equal(await p.state(spec.name), 'running')
  t.equal((await p.sshEndpoint(spec.name, '10.20.0.10')).host, '127.0.0.1')
  await p.stop(spec.name)
  t.equal(await p.state(spec.name), 'poweroff')
  t.equal(await p.state('vmlab-nope'), 'missing', 'VBoxManage.exe: error: is understood')
  await p.destroy(spec.name)
  await p.destroy('vmlab-base-rocky9-test')
  await p.removeNetwork(net)
  t.same(parseVmList((await h.vbox('list', 'vms')).stdout), [])
  t.same(parseHostOnlyIfs((await h.vbox('list', 'hostonlyifs')).stdout), [])
})

t.test('an installation that does not finish: the error carries the VM log', async (t) => {
  const h = simHost(t, { VMLAB_SIM_INSTALL_SECONDS: '60' })
  const p = h.provider()
  const net = await p.ensureNetwork(LAB_NET)
  const spec = { ...baseSpec(h, net), installTimeoutMs: 1500 }
  const err = await p.createBase(spec).catch((e: unknown) => e)
  t.ok(err instanceof LabError)
  t.match((err as LabError).message, /did not finish within/)
  t.match((err as LabError).message, /last lines of .*Logs[/\\]VBox\.log:\n.*VM started/s)
  t.match((err as LabError).hint, /VBoxManage controlvm vmlab-base-rocky9-test poweroff/)
  t.equal(await p.state(spec.name), 'running', 'left running for a look')
  await p.stop(spec.name, { force: true })
  await p.destroy(spec.name)
})
