/**
 * The libvirt provider on a real libvirt daemon (qemu:///system) with the QEMU driver: what the test driver
 * only pretends — vol-upload, a qcow2 overlay on a backing volume, domain XML the QEMU driver validates, an
 * offline internal snapshot of a clone with its seed CD-ROM, a NAT network started with dnsmasq — and destroy
 * leaving nothing (`list --all`, `vol-list`, `net-list --all`). No guest is booted here.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LibvirtProvider } from '../../src/providers/libvirt/provider.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'
import { testLibvirt } from '../helpers/libvirtd.js'

const host = await testLibvirt()
if (typeof host === 'string') {
  t.plan(0, host)
} else {
  t.teardown(() => host.stop())
  // libvirtd probes QEMU's capabilities on its first define: about 40 s on a loaded two-core machine.
  t.setTimeout(600_000)
  t.test('qemu:///system: upload, linked clone, define, snapshot, destroy, nothing left', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vmlab-libvirt-e2e-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const disk = join(dir, 'disk.qcow2')
    t.equal(spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G']).status, 0)
    await writeFile(join(dir, 'vmlinuz'), Buffer.alloc(4096))
    await writeFile(join(dir, 'seed.iso'), Buffer.alloc(64 * 1024))
    const p = new LibvirtProvider({ lab: 'lve2e', stateDir: join(dir, 'state'), settings: { uri: host.uri, pool: host.pool } })
    const virsh = (...args: string[]) => spawnSync('virsh', ['-c', host.uri, ...args], { encoding: 'utf8' }).stdout
    const started = Date.now()

    const info = await p.detect()
    t.same(
      info.problems.filter((x) => x.fatal),
      [],
    )
    const net = await p.ensureNetwork({ lab: 'lve2e', cidr: '10.231.7.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '10.231.7.1' })
    t.match(virsh('net-info', 'vmlab-lve2e'), /Active:\s+yes/)
    const base = 'vmlab-base-debian12-e2e00000'
    await p.createBase({
      name: base,
      os: OS_CATALOG.debian12,
      cpus: 1,
      memoryMiB: 256,
      diskGiB: 2,
      source: { kind: 'image', disk, kernel: join(dir, 'vmlinuz'), append: 'console=ttyS0' },
      network: net,
      installTimeoutMs: 1000,
    })
    await p.snapshotTake(base, 'vmlab-base')
    await p.cloneLinked({
      name: 'vmlab-lve2e-master',
      base,
      baseSnapshot: 'vmlab-base',
      cpus: 1,
      memoryMiB: 256,
      mac: '52:54:00:e2:00:10',
      seedIso: join(dir, 'seed.iso'),
      network: net,
      forwards: [],
      initialSnapshot: 'clean',
    })
    t.same(await p.snapshotList('vmlab-lve2e-master'), ['clean'])
    t.equal(await p.state('vmlab-lve2e-master'), 'poweroff')
    t.match(virsh('vol-dumpxml', '--pool', host.pool, 'vmlab-lve2e-master.qcow2'), new RegExp(`<backingStore>[\\s\\S]*${base}\\.qcow2`))
    t.match(virsh('vol-info', '--pool', host.pool, '--bytes', `${base}.qcow2`), /Capacity:\s+2147483648 bytes/, 'the base is as large as the lab disk')
    await p.snapshotRestore('vmlab-lve2e-master', 'clean')
    await t.rejects(p.destroy(base), /is the base of vmlab-lve2e-master/)
    await p.destroy('vmlab-lve2e-master')
    await p.destroy(base)
    await p.removeNetwork(net)
    t.comment(`libvirt host cycle without boot: ${Date.now() - started} ms`)
    t.notMatch(virsh('list', '--all', '--name'), /vmlab-/)
    t.notMatch(virsh('net-list', '--all', '--name'), /vmlab-/)
    t.same(
      virsh('vol-list', host.pool)
        .split('\n')
        .filter((l) => /vmlab-(base|lve2e)/.test(l)),
      [],
    )
    // The uploaded image is the host's cache for the next lab; this test's pool goes with it.
    t.match(virsh('vol-list', host.pool), /vmlab-img-disk-qcow2-/)
  })
}
