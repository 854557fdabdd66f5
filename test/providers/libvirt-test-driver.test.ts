/**
 * The libvirt provider's whole lifecycle against libvirt's own test driver (test:///default, inside virsh: no
 * daemon): network, base from an image, linked clones with their seed, power, snapshots, destroy. The test
 * driver has no vol-upload (virStorageVolUpload): the session runner answers those calls and they are counted.
 */
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LibvirtProvider } from '../../src/providers/libvirt/provider.js'
import { VirshSessionRunner } from '../helpers/virsh-session.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'

t.test('test:///default: up, snapshot, revert, destroy, nothing left', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-libvirt-'))
  const runner = new VirshSessionRunner()
  t.teardown(async () => {
    runner.close()
    await rm(dir, { recursive: true, force: true })
  })
  for (const f of ['disk.qcow2', 'vmlinuz', 'initrd.img', 'master-seed.iso', 'node1-seed.iso']) await writeFile(join(dir, f), 'x'.repeat(1024))
  const p = new LibvirtProvider({ runner, lab: 'lt', stateDir: join(dir, 'state'), settings: { uri: 'test:///default', pool: 'default-pool' }, pollIntervalMs: 10 })
  const virsh = async (...args: string[]) => (await runner.run('virsh', ['-c', 'test:///default', ...args])).stdout

  const info = await p.detect()
  t.match(info.product, /^libvirt 9\.\d+\.\d+ \(TEST .*\) on test:\/\/\/default$/)
  t.same(info.problems, [])

  const net = await p.ensureNetwork({ lab: 'lt', cidr: '192.168.150.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.150.1' })
  t.same(net, { id: 'vmlab-lt', created: true })
  t.match(await virsh('net-dumpxml', 'vmlab-lt'), /<ip address='192\.168\.150\.1' netmask='255\.255\.255\.0'>[\s\S]*<range start='192\.168\.150\.205' end='192\.168\.150\.254'\/>/)
  t.same(await p.ensureNetwork({ lab: 'lt', cidr: '192.168.150.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.150.1' }), net, 'found again, not defined twice')
  t.equal(runner.count('net-define'), 1)

  const base = 'vmlab-base-debian12-0123abcd'
  await p.createBase({
    name: base,
    os: OS_CATALOG.debian12,
    cpus: 1,
    memoryMiB: 512,
    diskGiB: 4,
    source: { kind: 'image', disk: join(dir, 'disk.qcow2'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), append: 'root=/dev/vda rw console=ttyS0' },
    network: net,
    installTimeoutMs: 1000,
  })
  t.equal(await p.state(base), 'poweroff')
  t.match(await virsh('dumpxml', base), /<kernel>\/default-pool\/vmlab-img-vmlinuz-[0-9a-f]{16}\.kernel<\/kernel>/)
  await p.snapshotTake(base, 'vmlab-base')

  for (const [node, mac] of [
    ['master', '52:54:00:aa:00:10'],
    ['node1', '52:54:00:aa:00:11'],
  ] as const) {
    await p.cloneLinked({
      name: `vmlab-lt-${node}`,
      base,
      baseSnapshot: 'vmlab-base',
      cpus: 1,
      memoryMiB: 512,
      mac,
      seedIso: join(dir, `${node}-seed.iso`),
      network: net,
      forwards: [],
      initialSnapshot: 'clean',
    })
  }
  t.same(await p.list('vmlab-lt-'), ['vmlab-lt-master', 'vmlab-lt-node1'])
  const xml = await virsh('dumpxml', 'vmlab-lt-node1')
  t.match(xml, /<mac address='52:54:00:aa:00:11'\/>[\s\S]*<source network='vmlab-lt'/, 'its lab MAC on the lab network')
  t.match(xml, /<cmdline>root=\/dev\/vda rw console=ttyS0<\/cmdline>/, 'the base kernel and command line')
  t.match(xml, /volume='vmlab-lt-node1\.seed\.iso'/, 'its own seed disc')
  t.match(
    await virsh('vol-dumpxml', '--pool', 'default-pool', 'vmlab-lt-node1.qcow2'),
    /<backingStore>[\s\S]*<path>\/default-pool\/vmlab-base-debian12-0123abcd\.qcow2<\/path>/,
    'a linked clone of the base disk',
  )
  t.same(await p.snapshotList('vmlab-lt-master'), ['clean'])

  const uploads = runner.modelled.length
  t.equal(uploads, 3 + 2, 'image, kernel, initrd once; a seed per node')

  await p.start('vmlab-lt-master')
  await p.start('vmlab-lt-master')
  t.equal(await p.state('vmlab-lt-master'), 'running', 'start is idempotent')
  await p.snapshotTake('vmlab-lt-master', 'ready', { live: true })
  await t.rejects(p.snapshotTake('vmlab-lt-master', 'ready'), /already has a snapshot named ready/)
  t.same(await p.snapshotList('vmlab-lt-master'), ['clean', 'ready'])
  await p.snapshotRestore('vmlab-lt-master', 'clean')
  t.equal(await p.state('vmlab-lt-master'), 'poweroff', 'back to the snapshot taken powered off')
  await p.snapshotRestore('vmlab-lt-master', 'ready')
  t.equal(await p.state('vmlab-lt-master'), 'running', 'a snapshot taken running comes back running')
  await t.rejects(p.snapshotRestore('vmlab-lt-master', 'nope'), /has no snapshot named nope/)
  await p.pause('vmlab-lt-master')
  t.equal(await p.state('vmlab-lt-master'), 'paused')
  await p.snapshotTake('vmlab-lt-master', 'paused')
  await p.resume('vmlab-lt-master')
  await p.stop('vmlab-lt-master', { force: true })
  await p.snapshotRestore('vmlab-lt-master', 'paused')
  t.equal(await p.state('vmlab-lt-master'), 'paused', 'a snapshot taken paused comes back paused')
  await p.start('vmlab-lt-master')
  t.equal(await p.state('vmlab-lt-master'), 'running', 'and start makes it run')
  await p.stop('vmlab-lt-master', { timeoutMs: 2000 })
  t.equal(await p.state('vmlab-lt-master'), 'poweroff')
  await p.stop('vmlab-lt-master')
  t.equal(await p.state('vmlab-nope'), 'missing')

  await t.rejects(p.destroy(base), /is the base of vmlab-lt-master, vmlab-lt-node1/)
  await p.start('vmlab-lt-node1')
  for (const vm of ['vmlab-lt-master', 'vmlab-lt-node1', base]) await p.destroy(vm)
  await p.destroy('vmlab-lt-node1')
  await p.removeNetwork(net)
  t.same(await p.list('vmlab-'), [])
  t.notMatch(await virsh('list', '--all', '--name'), /vmlab/)
  t.same(
    (await virsh('vol-list', 'default-pool')).split('\n').filter((l) => l.includes('vmlab') && !l.includes('vmlab-img-')),
    [],
    'no volume of the lab left (the uploaded image stays for the next lab on the host)',
  )
  t.notMatch(await virsh('net-list', '--all', '--name'), /vmlab/)
})
