import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { runChecks } from '../../src/checks/run-checks.js'
import { FakeGuest, sectioned } from '../helpers/fake-guest.js'
import { serviceAnswer } from './service-fixtures.js'
import type { Facts } from '../../src/modules/module.js'
import { ALL_READY, IDS, MASTER_LINE, SWARM_INACTIVE, engineState, nodeLine, sections, swarmManager, swarmProbe, swarmWorker } from '../modules/docker-fixtures.js'

const LAB = `name: c
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master, ip: 192.168.56.10 }
  - { name: node1, ip: 192.168.56.11 }
  - { name: node2, ip: 192.168.56.12 }
modules:
  - swarm: { managers: [master] }
  - overlay: { network: ovl, service: bb }
checks:
CHECKS
`
const facts = { family: 'debian' } as Facts

function labWith(checks: string) {
  return parseLab(LAB.replace('CHECKS', checks), 'c.yaml')
}

function access(guests: Record<string, FakeGuest>) {
  return async (node: string) => ({ guest: guests[node] ?? new FakeGuest(), facts })
}

/** A node's swarm as readSwarm reads it: GET /info with this swarm state and, on a manager, GET /nodes. */
const swarmAt = (info: string, nodes?: string) => new FakeGuest([swarmProbe(info, nodes)])
const worker = (id: string, addr: string) => swarmAt(swarmWorker(id, addr))

t.test('swarm: passes with every node Ready and a leader; says what it found otherwise', async (t) => {
  const lab = labWith('  - swarm: { ready: 3 }')
  const members = { node1: worker(IDS.node1, '192.168.56.11'), node2: worker(IDS.node2, '192.168.56.12') }
  const good = swarmAt(swarmManager(), ALL_READY)
  const [row] = await runChecks(lab, access({ master: good, ...members }))
  t.match(row, {
    check: 'swarm',
    on: 'master',
    passed: true,
    expected: '3 nodes Ready, one Leader, every node active',
    found: '3 Ready (master.localdomain, node1.localdomain, node2.localdomain), leader master.localdomain',
  })
  t.equal(good.commands.length, 1, 'one round trip to the manager')
  const [rowLeft] = await runChecks(lab, access({ master: good, node1: swarmAt(SWARM_INACTIVE), node2: members.node2 }))
  t.match(rowLeft, { passed: false, found: /not in the swarm: node1 \(inactive\)/ })
  const bad = swarmAt(swarmManager(), [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Down')].join('\n'))
  const [row2] = await runChecks(lab, access({ master: bad, ...members }))
  t.equal(row2!.passed, false)
  t.match(row2!.found, /1 Ready \(master\.localdomain\), leader master\.localdomain/)
  const [row3] = await runChecks(lab, access({ master: worker(IDS.master, '192.168.56.10'), ...members }))
  t.match(row3, { passed: false, found: 'master is not a swarm manager (its swarm state is active)' })
  const down = new FakeGuest([{ match: /#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState(undefined), code: 7 } }) }])
  const [row4] = await runChecks(lab, access({ master: down, ...members }))
  t.match(row4, { passed: false, found: /^master: docker does not answer \(reading its info exited with 7\)/ })
})

t.test('service: replicas N/N', async (t) => {
  const lab = labWith('  - service: { name: web, replicas: 5 }')
  const g = new FakeGuest([serviceAnswer({ replicas: 5 }, ['master.localdomain', 'node1.localdomain', 'node1.localdomain', 'node2.localdomain', 'node2.localdomain'])])
  t.match((await runChecks(lab, access({ master: g })))[0], { passed: true, found: 'web 5/5' })
  const h = new FakeGuest([serviceAnswer({ replicas: 5 }, ['master.localdomain', 'node1.localdomain', 'node2.localdomain'])])
  t.match((await runChecks(lab, access({ master: h })))[0], { passed: false, found: 'web 3/5', expected: 'service web 5/5' })
})

t.test('http: every node asked from the manager; status and body', async (t) => {
  const lab = labWith('  - http: { port: 8080, contains: Welcome to nginx }')
  const g = new FakeGuest([
    sectioned([
      { match: /http:\/\/192\.168\.56\.10:8080\//, stdout: '<h1>Welcome to nginx!</h1>\n200' },
      { match: /http:\/\/192\.168\.56\.11:8080\//, stdout: 'oops\n502' },
      { match: /http:\/\/192\.168\.56\.12:8080\//, code: 7, stdout: '\n000' },
    ]),
  ])
  const rows = await runChecks(lab, access({ master: g }))
  t.same(
    rows.map((r) => [r.on, r.passed]),
    [
      ['master', true],
      ['node1', false],
      ['node2', false],
    ],
  )
  t.match(rows[1]!.found, /^502, body without "Welcome to nginx"/)
  t.match(rows[2]!.found, /no answer \(curl exit 7\)/)
})

t.test('chrony: every other node selected the server', async (t) => {
  const lab = labWith('  - chrony: { synced_to: master }')
  const sources = (sel: string) =>
    `MS Name/IP address         Stratum Poll Reach LastRx Last sample\n===============================================================================\n${sel} 192.168.56.10                10   6   377    34   +12us[  +15us] +/-  120us\n`
  const rows = await runChecks(
    lab,
    access({
      node1: new FakeGuest([sectioned([{ match: 'chronyc -n sources 2>&1', stdout: sources('^*') }])]),
      node2: new FakeGuest([sectioned([{ match: 'chronyc -n sources 2>&1', stdout: sources('^?') }])]),
    }),
  )
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['node1', true, '^* 192.168.56.10'],
      ['node2', false, 'no source selected'],
    ],
  )
})

/** A node's running replicas as `docker inspect` prints them, in the overlay check's probe section. */
type Replica = { id: string; nets: Record<string, string> }
/** The replicas section's answer: the containers of service bb that run on the node, with their addresses. */
function replicaAnswer(...containers: Replica[]) {
  const json = JSON.stringify(containers.map((c) => ({ Id: c.id, NetworkSettings: { Networks: Object.fromEntries(Object.entries(c.nets).map(([n, ip]) => [n, { IPAddress: ip }])) } })))
  return { match: /service\.name%3Dbb/, stdout: json }
}
const replicas = (...containers: Replica[]) => sectioned([replicaAnswer(...containers)])
const pinged = (from: string, to: string, code = 0) => ({
  match: new RegExp(`#vmlab:begin:ping'\\ndocker exec ${from} ping -c 1 -W 3 ${to.replace(/\./g, '\\.')} `),
  stdout: `#vmlab:begin:ping\n${code ? 'PING: 1 packets transmitted, 0 received' : '1 packets transmitted, 1 packets received'}\n#vmlab:end:ping:${code}\n`,
})

t.test("exec and overlay: replicas read on every node at once; the address on the lab's overlay is pinged", async (t) => {
  const lab = labWith('  - exec: { command: "test -f /etc/motd", nodes: [node1], exit: 0 }\n  - overlay: { service: bb }')
  const master = new FakeGuest([replicas()])
  // The exec check's read and the overlay's replicas start together: one script for node1.
  const node1 = new FakeGuest([
    sectioned([{ match: "sh -c 'test -f /etc/motd' 2>&1", code: 1 }, replicaAnswer({ id: 'aaa111', nets: { ingress: '10.0.0.5', ovl: '10.0.1.5' } })]),
    pinged('aaa111', '10.0.1.6'),
  ])
  const node2 = new FakeGuest([replicas({ id: 'bbb222', nets: { ingress: '10.0.0.6', other: '10.0.9.6', ovl: '10.0.1.6' } })])
  const rows = await runChecks(lab, access({ master, node1, node2 }))
  t.match(rows[0], { check: 'exec', on: 'node1', passed: false, found: 'exit 1' })
  t.match(rows[1], { check: 'overlay', on: 'node1→node2', passed: true, found: 'ping answered' })
  t.equal(master.commands.length + node1.commands.length + node2.commands.length, 4, "one read per node (the exec check in node1's), one ping")
})

t.test("overlay: a student's own overlay network passes too; a failed ping or replicas on one node fail, saying so", async (t) => {
  const lab = labWith('  - overlay: { service: bb }')
  const own = await runChecks(
    lab,
    access({
      master: new FakeGuest([replicas()]),
      node1: new FakeGuest([replicas({ id: 'a1', nets: { ingress: '10.0.0.5', mynet: '10.0.7.5' } }), pinged('a1', '10.0.7.6')]),
      node2: new FakeGuest([replicas({ id: 'b2', nets: { mynet: '10.0.7.6' } })]),
    }),
  )
  t.match(own, [{ on: 'node1→node2', passed: true }])
  const noPing = await runChecks(
    lab,
    access({
      master: new FakeGuest([replicas()]),
      node1: new FakeGuest([replicas({ id: 'a1', nets: { ovl: '10.0.1.5' } }), pinged('a1', '10.0.1.6', 1)]),
      node2: new FakeGuest([replicas({ id: 'b2', nets: { ovl: '10.0.1.6' } })]),
    }),
  )
  t.match(noPing, [{ on: 'node1→node2', passed: false, found: /^ping failed: PING: 1 packets transmitted, 0 received/ }])
  const onlyIngress = await runChecks(
    lab,
    access({
      master: new FakeGuest([replicas({ id: 'm0', nets: { ovl: '10.0.1.4' } })]),
      node1: new FakeGuest([replicas({ id: 'a1', nets: { ingress: '10.0.0.5' } })]),
      node2: new FakeGuest([replicas()]),
    }),
  )
  t.match(onlyIngress, [{ on: 'master', passed: false, found: 'running on master' }], 'a replica on ingress only is on no overlay of the student')
  const down = new FakeGuest([
    { match: /#vmlab:begin:replicas'/, stdout: '#vmlab:begin:replicas\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n#vmlab:end:replicas:1\n' },
  ])
  const silent = await runChecks(lab, access({ master: new FakeGuest([replicas({ id: 'm0', nets: { ovl: '10.0.1.4' } })]), node1: down, node2: new FakeGuest([replicas()]) }))
  t.match(silent, [{ passed: false, found: /^running on master; docker on node1 does not answer \(Cannot connect to the Docker daemon/ }])
})

t.test('a check that throws is a failed row, not a crash', async (t) => {
  const lab = labWith('  - swarm: { ready: 3 }')
  const rows = await runChecks(lab, async () => {
    throw new Error('connection refused')
  })
  t.match(rows, [{ check: 'swarm', on: 'lab', passed: false, found: 'connection refused' }])
})
