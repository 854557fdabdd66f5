import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { runChecks } from '../../src/checks/run-checks.js'
import { FakeGuest } from '../helpers/fake-guest.js'
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
    { match: /http:\/\/192\.168\.56\.10:8080\//, stdout: '<h1>Welcome to nginx!</h1>\n200' },
    { match: /http:\/\/192\.168\.56\.11:8080\//, stdout: 'oops\n502' },
    { match: /http:\/\/192\.168\.56\.12:8080\//, code: 7, stdout: '\n000' },
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
    access({ node1: new FakeGuest([{ match: 'chronyc -n sources', stdout: sources('^*') }]), node2: new FakeGuest([{ match: 'chronyc -n sources', stdout: sources('^?') }]) }),
  )
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['node1', true, '^* 192.168.56.10'],
      ['node2', false, 'no source selected'],
    ],
  )
})

t.test('exec and overlay', async (t) => {
  const lab = labWith('  - exec: { command: "test -f /etc/motd", nodes: [node1], exit: 0 }\n  - overlay: { service: bb }')
  const master = new FakeGuest([{ match: /docker service ps bb/, stdout: 'node1.localdomain\nnode2.localdomain\n' }])
  const node1 = new FakeGuest([
    { match: 'test -f /etc/motd', code: 1 },
    { match: /docker ps --filter/, stdout: 'aaa111\n' },
    { match: /docker inspect --format/, stdout: '10.0.1.5\n' },
    { match: 'docker exec aaa111 ping -c 1 -W 3 10.0.1.6', stdout: '1 packets transmitted, 1 packets received\n' },
  ])
  const node2 = new FakeGuest([
    { match: /docker ps --filter/, stdout: 'bbb222\n' },
    { match: /docker inspect --format '\{\{\(index \.NetworkSettings\.Networks "ovl"\)\.IPAddress\}\}' bbb222/, stdout: '10.0.1.6\n' },
  ])
  const rows = await runChecks(lab, access({ master, node1, node2 }))
  t.match(rows[0], { check: 'exec', on: 'node1', passed: false, found: 'exit 1' })
  t.match(rows[1], { check: 'overlay', on: 'node1→node2', passed: true })
})

t.test('a check that throws is a failed row, not a crash', async (t) => {
  const lab = labWith('  - swarm: { ready: 3 }')
  const rows = await runChecks(lab, async () => {
    throw new Error('connection refused')
  })
  t.match(rows, [{ check: 'swarm', on: 'lab', passed: false, found: 'connection refused' }])
})
