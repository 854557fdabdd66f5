import t from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readVmx } from '../../src/providers/vmware/vmx.js'
import { BASE, baseSpec, cloneSpec, installMedia, LAB_CIDR, SIM_BIN, simHost } from './vmware-sim-helpers.js'

const NODES = ['vmlab-swarm-master', 'vmlab-swarm-node1', 'vmlab-swarm-node2']
const NETWORK = { lab: 'swarm', cidr: LAB_CIDR, prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' }

t.test('the whole life of a 3-node lab on the vmrun simulator', async (t) => {
  const h = simHost(t)
  const p = h.provider()

  const info = await p.detect()
  t.same(info, {
    name: 'vmware',
    binary: join(SIM_BIN, 'vmrun'),
    version: '1.17.0 build-24238078',
    product: 'VMware Workstation Pro',
    problems: [],
  })

  const network = await p.ensureNetwork(NETWORK)
  t.same(network, { id: 'vmnet1', created: false })

  const media = installMedia(h)
  await p.createBase(baseSpec(network, { kind: 'iso', ...media }))
  const baseVmx = join(h.vmsDir, BASE, `${BASE}.vmx`)
  const base = readVmx(baseVmx)
  t.equal(base.get('guestOS'), 'rhel9-64')
  t.equal(base.get('ethernet1.connectionType'), 'hostonly')
  t.notOk(base.has('sata0:1.fileName') || base.has('sata0:2.fileName'), 'install discs detached')
  t.same(await p.snapshotList(BASE), ['base'])
  t.equal(await p.state(BASE), 'poweroff', 'the installer powered it off')

  for (const [i, name] of NODES.entries()) await p.cloneLinked(cloneSpec(h, network, name, i))
  const master = readVmx(join(h.vmsDir, NODES[0]!, `${NODES[0]}.vmx`))
  t.equal(master.get('displayName'), NODES[0])
  t.equal(master.get('numvcpus'), '1')
  t.equal(master.get('memsize'), '1024')
  t.equal(master.get('uuid.action'), 'create')
  t.equal(master.get('msg.autoanswer'), 'TRUE')
  t.equal(master.get('ethernet1.addressType'), 'static')
  t.equal(master.get('ethernet1.address'), '00:50:56:2a:00:0a')
  t.equal(master.get('sata0:1.deviceType'), 'cdrom-image')
  t.equal(master.get('sata0:1.fileName'), join(h.isoDir, `${NODES[0]}-seed.iso`))
  t.same(await p.snapshotList(NODES[1]!), ['initial'])
  t.same(await p.list('vmlab-swarm-'), NODES)
  t.same(await p.list('vmlab-'), [BASE, ...NODES])

  await p.start(NODES[0]!)
  t.equal(await p.state(NODES[0]!), 'running')
  t.equal(await p.state(NODES[1]!), 'poweroff')
  t.same(await p.sshEndpoint(NODES[0]!, '192.168.56.10'), { host: '192.168.56.10', port: 22 })

  await p.snapshotTake(NODES[0]!, 'configured', { live: true })
  t.same(await p.snapshotList(NODES[0]!), ['initial', 'configured'])
  await t.rejects(p.snapshotTake(NODES[0]!, 'configured'), { message: /already has a snapshot named "configured"/ })

  await p.stop(NODES[0]!)
  t.equal(await p.state(NODES[0]!), 'poweroff', 'no VMware Tools in the guest: hard power-off')
  await p.stop(NODES[0]!)
  t.pass('stopping a stopped VM is a no-op')

  await p.snapshotRestore(NODES[0]!, 'configured')
  t.equal(await p.state(NODES[0]!), 'saved', 'a snapshot taken while running brings its memory back')
  await p.start(NODES[0]!)
  t.equal(await p.state(NODES[0]!), 'running', 'and start resumes it')
  await p.snapshotRestore(NODES[0]!, 'initial')
  t.equal(await p.state(NODES[0]!), 'poweroff', 'a running VM is powered off for the revert; a snapshot taken powered off leaves it off')
  await t.rejects(p.snapshotRestore(NODES[0]!, 'nope'), { message: /has no snapshot named "nope"/, hint: /initial, configured/ })
  await p.snapshotDelete(NODES[0]!, 'configured')
  t.same(await p.snapshotList(NODES[0]!), ['initial'])

  await t.rejects(p.destroy(BASE), {
    message: `cannot destroy "${BASE}": the linked clones ${NODES.join(', ')} are built on its disk`,
    hint: /destroy those VMs first/,
  })
  for (const name of NODES) await p.destroy(name)
  t.same(await p.list('vmlab-'), [BASE])
  await p.destroy(BASE)
  t.same(readdirSync(h.vmsDir), [], 'no VM folder and no file left')
  t.match(await h.vmrun('-T', 'ws', 'list'), /^Total running VMs: 0\s*$/)
  t.equal(await p.state(BASE), 'missing')
  await p.destroy(BASE)
  t.pass('destroying a missing VM is a no-op')
  t.ok(existsSync(h.isoDir) && readdirSync(h.isoDir).length === 5, 'ISO images are not ours to delete')
})
