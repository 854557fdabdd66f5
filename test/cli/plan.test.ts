import t from 'tap'
import { join } from 'node:path'
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
  t.equal(none.code, 2)
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
