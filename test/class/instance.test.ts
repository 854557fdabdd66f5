import t from 'tap'
import { instanceSubnet, instantiate, instanceIdProblem, labKey, poolSize } from '../../src/lab/instance.js'
import { vmName, vmPrefix } from '../../src/lab/vm-names.js'
import { parseLab } from '../../src/lab/load.js'
import { macFor } from '../../src/lab/resolve.js'

const LAB = `name: swarm
os: rocky9
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master, forwards: [9000] }
  - { name: node1, ip: 192.168.56.20 }
`

t.test('without an instance the names are those of today', async (t) => {
  const lab = parseLab(LAB, 'lab.yaml')
  t.equal(vmName(lab, lab.nodes[0]!), 'vmlab-swarm-master')
  t.equal(labKey(lab), 'swarm')
})

t.test('an instance has its own names, network, addresses, ports and MACs', async (t) => {
  const lab = parseLab(LAB, 'lab.yaml')
  const a = instantiate(lab, { id: 'alice', cidr: '10.60.0.0/24', portOffset: 100 })
  const b = instantiate(lab, { id: 'bob', cidr: '10.60.1.0/24', portOffset: 200 })
  t.equal(vmName(a, a.nodes[0]!), 'vmlab-swarm.alice-master')
  t.not(vmName(a, a.nodes[0]!), vmName(b, b.nodes[0]!))
  t.same(
    a.nodes.map((n) => n.ip),
    ['10.60.0.10', '10.60.0.20'],
    'each node keeps its place in the network',
  )
  t.equal(b.network.hostIp, '10.60.1.1')
  t.same(a.nodes[0]!.forwards, [{ host: 9100, guest: 9000 }])
  t.not(macFor(a, a.nodes[0]!, 'virtualbox'), macFor(lab, lab.nodes[0]!, 'virtualbox'))
  t.ok(!vmName(lab, lab.nodes[0]!).startsWith(vmPrefix(a)) && !vmName(a, a.nodes[0]!).startsWith(vmPrefix(lab)), "neither the laptop lab's prefix nor an instance's covers the other's VMs")
  t.throws(() => instantiate(lab, { id: 'carol', cidr: '10.60.0.0/25' }), /not a \/24/)
})

t.test('instance ids cannot run into each other', async (t) => {
  t.equal(instanceIdProblem('s_12'), undefined)
  t.match(instanceIdProblem('ann-b'), /letters, digits or _/)
  t.match(instanceIdProblem('Ann'), /not a valid/)
})

t.test('subnets come from the pool in order, until it is full', async (t) => {
  t.equal(instanceSubnet('10.60.0.0/16', 24, 0), '10.60.0.0/24')
  t.equal(instanceSubnet('10.60.0.0/16', 24, 29), '10.60.29.0/24')
  t.equal(instanceSubnet('10.60.0.0/16', 24, 255), '10.60.255.0/24')
  t.equal(instanceSubnet('10.60.0.0/16', 24, 256), undefined)
  t.equal(instanceSubnet('10.60.0.0/24', 16, 0), undefined, 'a pool smaller than the lab network holds none')
  t.equal(poolSize('10.60.0.0/22', 24), 4)
})
