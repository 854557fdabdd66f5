import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { IDS, MASTER_LINE, SWARM_INACTIVE, engineState, nodeLine, sections, swarmManager, swarmProbe, swarmWorker } from '../modules/docker-fixtures.js'
import { check } from './lab-for-checks.js'

/** A node line with its spec changed the way `docker node update` / `promote` leave it. */
function edited(line: string, spec: { Availability?: string; Labels?: Record<string, string>; Role?: string }, leader?: boolean): string {
  const n = JSON.parse(line)
  n.Spec = { ...n.Spec, ...spec }
  if (spec.Role === 'manager') n.ManagerStatus = { Leader: leader ?? false, Reachability: 'reachable', Addr: '192.168.56.11:2377' }
  return JSON.stringify(n)
}

const at = (info: string, lines?: string[]) => new FakeGuest([swarmProbe(info, lines?.join('\n'))])
const workers = { node1: at(swarmWorker(IDS.node1, '192.168.56.11')), node2: at(swarmWorker(IDS.node2, '192.168.56.12')) }

t.test('swarm_node: role, availability and labels from the manager node list', async (t) => {
  const node1 = edited(nodeLine('node1.localdomain', IDS.node1), { Availability: 'drain', Labels: { zone: 'east' } })
  const list = [MASTER_LINE, node1, nodeLine('node2.localdomain', IDS.node2)]
  const [row] = await check('  - swarm_node: { node: node1, role: worker, availability: drain, labels: { zone: east } }', { master: at(swarmManager(), list), ...workers })
  t.match(row, {
    check: 'swarm_node',
    on: 'node1',
    passed: true,
    expected: 'node1 in the swarm, as a worker, availability drain, label zone=east',
    found: 'node1.localdomain: worker, ready, drain, labels zone=east',
  })
  const [bad] = await check('  - swarm_node: { node: node2, role: manager, availability: drain, labels: { zone: east } }', { master: at(swarmManager(), list), ...workers })
  t.match(bad, { passed: false, found: 'it is a worker; availability active; no label zone' })
  const [leader] = await check('  - swarm_node: { node: master, role: leader }', { master: at(swarmManager(), list), ...workers })
  t.match(leader, { passed: true, found: 'master.localdomain: leader, ready, active' })
  const [mgr] = await check('  - swarm_node: { node: master, role: manager }', { master: at(swarmManager(), list), ...workers })
  t.equal(mgr!.passed, true, 'the leader is a manager')
})

t.test('swarm_node: a node the task made manager; read from any manager', async (t) => {
  const promoted = edited(nodeLine('node1.localdomain', IDS.node1), { Role: 'manager' })
  const list = [MASTER_LINE, promoted, nodeLine('node2.localdomain', IDS.node2)]
  const [row] = await check('  - swarm_node: { node: node1, role: manager }', { master: at(swarmManager(), list), ...workers })
  t.match(row, { passed: true, found: 'node1.localdomain: manager, ready, active' })
  // master left the swarm: node1, now a manager, still answers for the swarm
  const node1Info = JSON.stringify({ ...JSON.parse(swarmManager()), NodeID: IDS.node1, NodeAddr: '192.168.56.11' })
  const [other] = await check('  - swarm_node: { node: node2, role: worker }', { master: at(SWARM_INACTIVE), node1: at(node1Info, list), node2: workers.node2 })
  t.match(other, { passed: true })
})

t.test('swarm_node: not in the swarm, no manager, docker down', async (t) => {
  const [missing] = await check('  - swarm_node: { node: node2 }', { master: at(swarmManager(), [MASTER_LINE]), ...workers })
  t.match(missing, { passed: false, found: "node2 is not in the swarm's node list" })
  const [down] = await check('  - swarm_node: { node: node1 }', { master: at(swarmManager(), [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Down')]), ...workers })
  t.match(down, { passed: false, found: 'status down' })
  const [none] = await check('  - swarm_node: { node: node1 }', { master: at(SWARM_INACTIVE), node1: at(SWARM_INACTIVE), node2: at(SWARM_INACTIVE) })
  t.match(none, { passed: false, found: "no node is a swarm manager (master's swarm state is inactive)" })
  const dead = new FakeGuest([{ match: /#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState(undefined), code: 7 } }) }])
  const [gone] = await check('  - swarm_node: { node: node1 }', { master: dead, node1: at(SWARM_INACTIVE), node2: at(SWARM_INACTIVE) })
  t.match(gone, { passed: false, found: /^master: docker does not answer/ })
})

t.test('swarm: a swarm the student made with another node as manager passes too', async (t) => {
  const node1Info = JSON.stringify({ ...JSON.parse(swarmManager()), NodeID: IDS.node1, NodeAddr: '192.168.56.11' })
  const list = [nodeLine('master.localdomain', IDS.master), nodeLine('node1.localdomain', IDS.node1, 'Ready', 'Leader'), nodeLine('node2.localdomain', IDS.node2)]
  const rows = await check('  - swarm: { ready: 3 }', {
    master: at(swarmWorker(IDS.master, '192.168.56.10', '192.168.56.11:2377', IDS.node1)),
    node1: at(node1Info, list),
    node2: at(swarmWorker(IDS.node2, '192.168.56.12', '192.168.56.11:2377', IDS.node1)),
  })
  t.match(rows, [{ check: 'swarm', on: 'node1', passed: true, found: /^3 Ready .*leader node1\.localdomain$/ }])
})
