import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseMachineReadable, firstValue } from '../../src/providers/virtualbox/machine-readable.js'
import { parseForward, parseVmInfo, toVmState } from '../../src/providers/virtualbox/vm-info.js'
import { parseHdds, parseHostOnlyIfs, parseHostOnlyNets, parseSnapshotList, parseVmList, saysNoSnapshots } from '../../src/providers/virtualbox/lists.js'
import { parseVersionOutput } from '../../src/providers/virtualbox/version.js'
import { cloneImagesOf, cloneNameOf } from '../../src/providers/virtualbox/linked-clones.js'

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'virtualbox', name), 'utf8')

t.test('showvminfo 7.0 (Linux, running linked clone)', async (t) => {
  const info = parseVmInfo(fixture('showvminfo-7.0-linux-clone.txt'))
  t.equal(info.name, 'vmlab-docker-node1')
  t.equal(info.state, 'running')
  t.equal(toVmState(info.state), 'running')
  t.equal(info.cfgFile, '/home/teacher/VirtualBox VMs/vmlab/vmlab-docker-node1/vmlab-docker-node1.vbox')
  t.equal(info.currentSnapshot, 'initial')
  // Quoted storage keys, escaped quote and backslash in a path; ImageUUID and IsEjected keys are not ports.
  t.same(
    [...info.storage.entries()],
    [
      ['SATA-0-0', '/home/teacher/VirtualBox VMs/vmlab/vmlab-docker-node1/Snapshots/{8a0f4c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b}.vdi'],
      ['SATA-1-0', '/home/teacher/labs/o"brien\\docker/.vmlab/seed-node1.iso'],
      ['SATA-2-0', 'none'],
    ],
  )
  const nat = info.nics.get(1)!
  t.equal(nat.attachment, 'nat')
  t.same(
    nat.forwards.map((f) => [f.name, f.hostIp, f.hostPort, f.guestPort]),
    [
      ['ssh', '127.0.0.1', 2223, 22],
      ['tcp-8080', '127.0.0.1', 8080, 80],
    ],
  )
  const lab = info.nics.get(2)!
  t.same([lab.attachment, lab.hostOnlyAdapter, lab.mac, lab.type, lab.forwards.length], ['hostonly', 'vboxnet0', '080027AABB0B', '82540EM', 0])
  t.equal(info.nics.get(3)!.attachment, 'none')
})

t.test('machine-readable quirks: spaces in keys, values over two lines, junk lines', async (t) => {
  const entries = parseMachineReadable(fixture('showvminfo-7.0-linux-clone.txt'))
  t.equal(firstValue(entries, 'BIOS NVRAM File'), '/home/teacher/VirtualBox VMs/vmlab/vmlab-docker-node1/vmlab-docker-node1.nvram')
  t.equal(firstValue(entries, 'description'), 'vmlab node\nsecond line with "quotes"')
  t.equal(firstValue(entries, 'VideoMode'), '1024,768,32')
  t.equal(firstValue(entries, 'memory'), '2048')
  t.equal(firstValue(entries, 'GuestMemoryBalloon'), '0', 'the line after the two-line value is read')
  t.notOk(entries.some((e) => e.key.startsWith('Encryption') || e.key.includes('rec_screen0')))
  t.same(parseMachineReadable('Encryption:     disabled\n=x\n  indented="no"\nok="yes"\nunterminated="abc'), [
    { key: 'ok', value: 'yes' },
    { key: 'unterminated', value: 'abc' },
  ])
})

t.test('showvminfo 6.1 (Windows, CRLF, escaped backslashes, two snapshots)', async (t) => {
  const info = parseVmInfo(fixture('showvminfo-6.1-windows-crlf.txt'))
  t.equal(info.cfgFile, 'C:\\Users\\Teacher\\VirtualBox VMs\\vmlab\\vmlab-docker-master\\vmlab-docker-master.vbox')
  t.equal(info.state, 'poweroff')
  t.equal(info.nics.get(2)!.hostOnlyAdapter, 'VirtualBox Host-Only Ethernet Adapter #2')
  t.same(info.nics.get(1)!.forwards, [{ name: 'ssh', protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 2222, guestIp: '', guestPort: 22 }])
  t.equal(info.storage.get('SATA-1-0'), 'C:\\Users\\Teacher\\labs\\docker\\.vmlab\\seed-master.iso')
  t.equal(info.currentSnapshot, 'after-docker')
  t.notOk([...info.storage.values()].some((v) => v.includes('\r')))
})

t.test('showvminfo 7.0 (macOS host-only network, forwards on two NAT NICs)', async (t) => {
  const info = parseVmInfo(fixture('showvminfo-7.0-macos-hostonlynet.txt'))
  t.equal(info.nics.get(2)!.attachment, 'hostonlynetwork')
  t.equal(info.nics.get(2)!.hostOnlyNetwork, 'vmlab-docker')
  t.equal(info.nics.get(2)!.mac, '080027AABB0C', 'MAC upper-cased')
  t.same(
    info.nics.get(1)!.forwards.map((f) => [f.name, f.hostIp, f.hostPort]),
    [['ssh', '', 2224]],
  )
  t.same(
    info.nics.get(3)!.forwards.map((f) => f.name),
    ['web'],
    "Forwarding(0) of NIC 3 is not NIC 1's",
  )
  t.equal(toVmState(info.state), 'paused', 'a guru meditation needs a power-off like a pause')
})

t.test('VMState mapping', async (t) => {
  const cases: Array<[string, string]> = [
    ['poweroff', 'poweroff'],
    ['aborted', 'aborted'],
    ['aborted-saved', 'aborted'],
    ['saved', 'saved'],
    ['running', 'running'],
    ['paused', 'paused'],
    ['starting', 'busy'],
    ['livesnapshotting', 'busy'],
    ['restoringsnapshot', 'busy'],
    ['deletingsnapshotlive', 'busy'],
    ['teleported', 'poweroff'],
    ['somethingnew', 'busy'],
  ]
  for (const [raw, want] of cases) t.equal(toVmState(raw), want, raw)
})

t.test('NAT rule with a comma in its name', async (t) => {
  t.same(parseForward('a,b,udp,10.0.0.1,53,10.0.2.15,53'), {
    name: 'a,b',
    protocol: 'udp',
    hostIp: '10.0.0.1',
    hostPort: 53,
    guestIp: '10.0.2.15',
    guestPort: 53,
  })
  t.equal(parseForward('broken,tcp'), undefined)
})

t.test('snapshot list: depth first, current node', async (t) => {
  t.same(parseSnapshotList(fixture('snapshot-list-tree.txt')), { names: ['base', 'initial', 'after-docker', 'experiment'], current: 'after-docker' })
  t.same(parseSnapshotList('SnapshotName="one"\r\nSnapshotUUID="x"\r\n'), { names: ['one'] })
  t.ok(saysNoSnapshots('This machine does not have any snapshots\n'))
  t.notOk(saysNoSnapshots('SnapshotName="x"'))
})

t.test('list vms', async (t) => {
  t.same(parseVmList(fixture('list-vms.txt')), [
    { name: 'vmlab-base-rocky9-1a2b3c4d', uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' },
    { name: 'vmlab-docker-master', uuid: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4' },
    { name: 'Windows 11 "test" box', uuid: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a' },
    { name: '<inaccessible>', uuid: '6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b' },
  ])
  t.same(parseVmList(''), [])
  t.same(parseVmList('"a" {0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}\r\n'), [{ name: 'a', uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }])
})

t.test('list hostonlyifs (Linux; Windows with CRLF and spaces in names)', async (t) => {
  t.same(parseHostOnlyIfs(fixture('list-hostonlyifs-linux.txt')), [
    { name: 'vboxnet0', ip: '192.168.56.1', netmask: '255.255.255.0', dhcp: false, status: 'Up' },
    { name: 'vboxnet1', ip: '10.10.0.1', netmask: '255.255.0.0', dhcp: true, status: 'Down' },
  ])
  const win = parseHostOnlyIfs(fixture('list-hostonlyifs-windows-crlf.txt'))
  t.same(
    win.map((i) => [i.name, i.ip]),
    [
      ['VirtualBox Host-Only Ethernet Adapter', '192.168.56.1'],
      ['VirtualBox Host-Only Ethernet Adapter #2', '192.168.60.1'],
    ],
  )
  t.same(parseHostOnlyIfs(''), [])
})

t.test('list hostonlynets (a blank line inside each record)', async (t) => {
  t.same(parseHostOnlyNets(fixture('list-hostonlynets-macos.txt')), [
    { name: 'HostNetwork', netmask: '255.255.255.0', lowerIp: '192.168.56.1', upperIp: '192.168.56.199', enabled: true },
    { name: 'vmlab-docker', netmask: '255.255.0.0', lowerIp: '10.10.0.1', upperIp: '10.10.255.254', enabled: true },
  ])
})

t.test('--version with and without the kernel module warning', async (t) => {
  const missing = parseVersionOutput(fixture('version-kernel-module-missing.txt'))
  t.equal(missing.version?.raw, '7.0.14r161095')
  t.equal(missing.version?.major, 7)
  t.ok(missing.kernelModuleMissing)
  t.match(missing.warnings, /sudo \/sbin\/vboxconfig/)
  const ubuntu = parseVersionOutput(fixture('version-6.1-ubuntu.txt'))
  t.same([ubuntu.version?.major, ubuntu.version?.minor, ubuntu.version?.patch], [6, 1, 38])
  t.notOk(ubuntu.kernelModuleMissing)
  t.equal(ubuntu.warnings, '')
  t.same(parseVersionOutput('7.1.4r165100\r\n').version?.raw, '7.1.4r165100')
  t.equal(parseVersionOutput('garbage').version, undefined)
})

t.test('list hdds: linked clones of a base are found by their parent image', async (t) => {
  const disks = parseHdds(fixture('list-hdds-linked.txt'))
  t.equal(disks.length, 6)
  t.equal(disks[0]!.parent, undefined, '"base" is no parent')
  t.equal(disks[1]!.parent, 'aa000000-0000-4000-8000-000000000001')
  const base = '/home/teacher/VirtualBox VMs/vmlab/vmlab-base-rocky9-1a2b3c4d'
  const clones = cloneImagesOf(disks, base)
  t.same(clones.map(cloneNameOf), ['vmlab-docker-master', 'vmlab-docker-node1'], "the base's own snapshot image is not a clone")
  t.same(cloneImagesOf(disks, '/home/teacher/VirtualBox VMs/vmlab/vmlab-docker-master'), [], 'a clone has no clones')
  t.same(cloneImagesOf(disks, '/home/teacher/VirtualBox VMs/vmlab/vmlab-base'), [], 'a folder name that is a prefix of another is not that folder')
})
