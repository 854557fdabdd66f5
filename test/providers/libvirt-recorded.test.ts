/**
 * What the test driver cannot show: virsh's refusals on a real host (connection, upload, a subnet taken,
 * net-dhcp-leases), answered with libvirt 9's own texts by a scripted runner; and `lab plan --commands
 * --provider libvirt`, the virsh argv `lab up` runs, with the calls per node.
 */
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RecordingRunner, type FreshMachine } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/libvirt/fresh-machine.js'
import { LibvirtProvider } from '../../src/providers/libvirt/provider.js'
import { addressOf, parseDomstate, parseVolList } from '../../src/providers/libvirt/parse.js'
import { notFound, reason } from '../../src/providers/libvirt/virsh-error.js'
import { domainXml, baseOf } from '../../src/providers/libvirt/domain-xml.js'
import { lab } from '../helpers/cli.js'

const NET = { lab: 'lt', cidr: '10.20.0.0/16', prefix: 16, netmask: '255.255.0.0', hostIp: '10.20.0.1' }

/** The fresh host, but for the answers a test gives. */
function host(over: (cmd: string, args: readonly string[]) => ReturnType<FreshMachine> | undefined): RecordingRunner {
  return new RecordingRunner((file, args) => over(args[2]!, args) ?? freshMachine(file, args))
}

t.test('a host that cannot be reached: the URI and what to check', async (t) => {
  const runner = host(() => ({
    exitCode: 1,
    stderr: 'error: failed to connect to the hypervisor\nerror: Cannot recv data: ssh: connect to host lab1 port 22: Connection refused: Connection reset by peer\n',
  }))
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: '/s', settings: { uri: 'qemu+ssh://teacher@lab1/system' } })
  await t.rejects(p.detect(), { message: 'cannot connect to qemu+ssh://teacher@lab1/system', hint: /ssh.*authorized_keys.*libvirt group/ })
})

t.test('a URI vmlab does not drive is refused before any call', async (t) => {
  const runner = host(() => undefined)
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: '/s', settings: { uri: 'xen:///system' } })
  await t.rejects(p.detect(), /libvirt\.uri "xen:\/\/\/system" is not a host vmlab can drive/)
  t.same(runner.commands, [])
})

t.test('a missing pool is a fatal preflight problem with the commands that make it', async (t) => {
  const runner = host((cmd) =>
    cmd === 'pool-info' ? { exitCode: 1, stderr: "error: failed to get pool 'class'\nerror: Storage pool not found: no storage pool with matching name 'class'\n" } : undefined,
  )
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: '/s', settings: { pool: 'class' } })
  const info = await p.detect()
  t.match(info.problems, [{ problem: 'the storage pool class does not exist on qemu:///system', fix: /pool-define-as class dir/, fatal: true }])
})

t.test('a failed upload removes the half-made volume and says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-lv-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'seed.iso'), 'x')
  const runner = host((cmd) =>
    cmd === 'vol-upload' ? { exitCode: 1, stderr: 'error: cannot upload to volume n.seed.iso\nerror: this function is not supported by the connection driver: virStorageVolUpload\n' } : undefined,
  )
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: dir })
  const plannedBase = new Map([['b', '<domain><name>b</name></domain>']])
  Object.assign(p, { planned: plannedBase })
  await t.rejects(
    p.cloneLinked({
      name: 'n',
      base: 'b',
      baseSnapshot: 's',
      cpus: 1,
      memoryMiB: 512,
      mac: '52:54:00:00:00:10',
      seedIso: join(dir, 'seed.iso'),
      network: { id: 'vmlab-lt', created: true },
      forwards: [],
      initialSnapshot: 'clean',
    }),
    /uploading .*seed\.iso to default\/n\.seed\.iso on qemu:\/\/\/system failed: qemu:\/\/\/system cannot upload volumes/,
  )
  t.same(runner.commands.at(-1)?.slice(3), ['vol-delete', '--pool', 'default', 'n.seed.iso'])
})

t.test('a lab subnet another network holds: the start fails with the fix', async (t) => {
  const runner = host((cmd) =>
    cmd === 'net-start' ? { exitCode: 1, stderr: 'error: Failed to start network vmlab-lt\nerror: internal error: Network is already in use by interface virbr0\n' } : undefined,
  )
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: '/s' })
  await t.rejects(p.ensureNetwork(NET), { message: /vmlab-lt on qemu:\/\/\/system did not start: internal error: Network is already in use by interface virbr0/, hint: /network\.cidr/ })
})

t.test("virsh's texts and tables", async (t) => {
  const qemuMissing = "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'\n"
  t.ok(notFound(qemuMissing, 'domain'))
  t.ok(notFound("error: failed to get domain 'x'\n", 'domain'), "the test driver's one line")
  t.notOk(notFound(qemuMissing, 'network'))
  t.equal(reason(qemuMissing), "Domain not found: no domain with matching name 'x'")
  t.same(['running', 'shut off', 'paused', 'crashed', 'in shutdown'].map(parseDomstate), ['running', 'poweroff', 'paused', 'aborted', 'busy'])
  t.same(parseVolList(' Name         Path\n-------------------------------\n a.qcow2      /p/a.qcow2\n b.seed.iso   /p/b.seed.iso\n\n'), ['a.qcow2', 'b.seed.iso'])
  const leases =
    ' Expiry Time           MAC address         Protocol   IP address           Hostname   Client ID or DUID\n' +
    '-----------------------------------------------------------------------------------------------------------\n' +
    ' 2026-12-07 23:40:01   52:54:00:aa:00:10   ipv4       192.168.150.210/24   master     ff:00:aa:00:10:00:01\n'
  t.equal(addressOf(leases, '52:54:00:AA:00:10'), '192.168.150.210')
  t.equal(
    addressOf(
      ' Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n vnet3      52:54:00:aa:00:11    ipv4         192.168.150.211/24\n',
      '52:54:00:aa:00:11',
    ),
    '192.168.150.211',
  )
  t.equal(addressOf(leases, '52:54:00:aa:00:99'), undefined)
})

t.test('the guest address: domifaddr first, the network leases when the domain reports none', async (t) => {
  const runner = host((cmd) =>
    cmd === 'domifaddr'
      ? { stdout: ' Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n\n' }
      : cmd === 'net-dhcp-leases'
        ? {
            stdout:
              ' Expiry Time           MAC address         Protocol   IP address           Hostname   Client ID or DUID\n---\n 2026-12-07 23:40:01   52:54:00:aa:00:10   ipv4       10.20.0.210/16   -   -\n',
          }
        : undefined,
  )
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: '/s' })
  t.equal(await p.guestAddress('vmlab-lt-master', '52:54:00:aa:00:10'), '10.20.0.210')
  t.same(
    runner.commands.map((c) => c.slice(3).join(' ')),
    ['domifaddr vmlab-lt-master', 'net-dhcp-leases vmlab-lt'],
  )
})

t.test('names from the lab file are escaped in the XML; the base link reads back as libvirt prints it', async (t) => {
  const xml = domainXml({
    name: 'n',
    type: 'kvm',
    cpus: 1,
    memoryMiB: 256,
    disk: { pool: 'p', volume: 'n.qcow2' },
    cdroms: [],
    cmdline: "a='b' & <c>",
    mac: '52:54:00:00:00:01',
    network: 'net',
    base: 'b1',
  })
  t.match(xml, /<cmdline>a=&apos;b&apos; &amp; &lt;c&gt;<\/cmdline>/)
  t.equal(baseOf(xml), 'b1')
  t.equal(baseOf('<metadata>\n    <vmlab:node xmlns:vmlab="https://vmlab.dev/libvirt/1" base="b2"/>\n  </metadata>'), 'b2')
  t.equal(baseOf('<domain><name>x</name></domain>'), undefined)
})

t.test('lab plan --commands --provider libvirt: the virsh argv of lab up', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-lv-plan-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(
    join(dir, 'lab.yaml'),
    'name: lv\nos: debian12\nprovider: libvirt\nlibvirt: { uri: qemu+ssh://teacher@lab1/system, pool: class }\nnetwork: { cidr: 192.168.150.0/24 }\nnodes:\n  - name: master\n  - name: node1\n  - name: node2\n',
  )
  const r = await lab(['plan', join(dir, 'lab.yaml'), '--commands'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.ok(
    lines.every((l) => l.startsWith('virsh -c qemu+ssh://teacher@lab1/system ')),
    'every call names the host',
  )
  const calls = (what: RegExp) => lines.filter((l) => what.test(l)).length
  t.equal(calls(/ vol-upload --pool class vmlab-img-/), 1, 'the image is uploaded once')
  t.equal(calls(/ vol-upload --pool class vmlab-lv-node\d?\w*\.seed\.iso | vol-upload --pool class vmlab-lv-master\.seed\.iso /), 3, 'a seed per node')
  t.equal(
    calls(/ vol-create-as class vmlab-lv-\w+\.qcow2 \d+ --format qcow2 --backing-vol \/var\/lib\/libvirt\/images\/vmlab-base-debian12-\w+\.qcow2 --backing-vol-format qcow2$/),
    3,
    'linked clones',
  )
  t.equal(calls(/ net-define .*network-vmlab-lv\.xml$/), 1)
  const node2 = lines.filter((l) => l.includes('vmlab-lv-node2'))
  t.same(
    node2.map((l) => l.split(' ')[3]),
    // the ready snapshot is taken of the whole lab at one instant: every node suspended, snapshotted, resumed
    ['domstate', 'vol-create-as', 'vol-create-as', 'vol-upload', 'define', 'snapshot-list', 'snapshot-create-as', 'start', 'suspend', 'snapshot-list', 'snapshot-create-as', 'resume'],
    'virsh calls per node',
  )
})
