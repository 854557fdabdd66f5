import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { swarmModule } from '../../src/modules/swarm.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type NodeName, type Nodes } from './docker-lab.js'
import { ALL_READY, IDS, MASTER_LINE, SWARM_INACTIVE, SWARM_PENDING, nodeLine, swarmManager, swarmProbe, swarmWorker } from './docker-fixtures.js'
import { LabError } from '../../src/util/errors.js'
import type { NodeAccess } from '../../src/engine/provision.js'

type Options = ModuleOptions<'swarm'>

const fast = {
  managerWait: { timeoutMs: 300, pollMs: 1 },
  readyGrace: { timeoutMs: 100, pollMs: 1 },
  settle: { timeoutMs: 60, pollMs: 1 },
}
const swarm = swarmModule(fast)
const TOKEN = 'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx'

function lab(family: 'el9' | 'debian' = 'el9', swarmOpts = '{ managers: [master] }') {
  return swarmLab(family, ['docker', `swarm: ${swarmOpts}`])
}

function ctxOf(nodes: Nodes, node: NodeName, logs: string[] = []) {
  const options = optionsOf<Options>(nodes.lab, 'swarm')
  const role = options.managers.includes(node) ? 'manager' : 'worker'
  return contextFor(nodes, node, role, options, logs)
}

t.test('first manager: inactive → init with --advertise-addr, then Leader with every node Ready; second run plans nothing', async (t) => {
  const master = new FakeGuest([
    swarmProbe(SWARM_INACTIVE, undefined, true),
    { match: 'docker swarm init --advertise-addr 192.168.56.10', stdout: `Swarm initialized: current node (${IDS.master}) is now a manager.\n` },
    swarmProbe(swarmManager(), ALL_READY),
  ])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master } }
  const changes = await runModule(swarm, ctxOf(nodes, 'master'))
  t.same(
    changes.map((c) => c.key),
    ['init'],
  )
  t.equal(changes[0]!.what, 'docker swarm init --advertise-addr 192.168.56.10')
  t.same(actions(master), ['sudo docker swarm init --advertise-addr 192.168.56.10'])
  t.match(
    master.commands[0],
    /^sudo echo '#vmlab:begin:engine'\nif command -v curl >\/dev\/null 2>&1; then\n  curl -sS --unix-socket \/var\/run\/docker.sock -w '\\n#vmlab:http:%\{http_code\}\\n' 'http:\/\/localhost\/info' 'http:\/\/localhost\/nodes' 'http:\/\/localhost\/images\/json'\n/,
  )

  const before = master.commands.length
  t.same(await runModule(swarm, ctxOf(nodes, 'master')), [])
  t.same(actions(master, before), [], 'nothing but probes on the second run')
})

t.test('data_path_port is passed to init', async (t) => {
  const master = new FakeGuest([
    swarmProbe(SWARM_INACTIVE, undefined, true),
    { match: 'docker swarm init --advertise-addr 192.168.56.10 --data-path-port 4800' },
    swarmProbe(swarmManager({ dataPathPort: 4800 }), ALL_READY),
  ])
  const nodes: Nodes = { lab: lab('el9', '{ managers: [master], data_path_port: 4800 }'), family: 'el9', guests: { master } }
  await runModule(swarm, ctxOf(nodes, 'master'))
  t.same(actions(master), ['sudo docker swarm init --advertise-addr 192.168.56.10 --data-path-port 4800'])
})

t.test('worker: inactive → token from the manager, join with its lab address; then nothing to do', async (t) => {
  const master = new FakeGuest([
    swarmProbe(swarmManager(), [MASTER_LINE, nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n', true),
    { match: 'docker swarm join-token -q worker', stdout: `${TOKEN}\n` },
    swarmProbe(swarmManager(), ALL_READY),
  ])
  const node1 = new FakeGuest([
    swarmProbe(SWARM_INACTIVE, undefined, true),
    { match: /^docker swarm join --token /, stdout: 'This node joined a swarm as a worker.\n' },
    swarmProbe(swarmWorker(IDS.node1, '192.168.56.11')),
  ])
  const nodes: Nodes = { lab: lab('debian'), family: 'debian', guests: { master, node1 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'))
  t.same(
    changes.map((c) => c.key),
    ['join'],
  )
  t.equal(changes[0]!.what, 'docker swarm join --advertise-addr 192.168.56.11 192.168.56.10:2377 (as worker)')
  t.same(actions(node1), [`sudo docker swarm join --token ${TOKEN} --advertise-addr 192.168.56.11 '192.168.56.10:2377'`])
  t.same(actions(master), ['sudo docker swarm join-token -q worker'])

  const m = master.commands.length
  const n = node1.commands.length
  t.same(await runModule(swarm, ctxOf(nodes, 'node1')), [])
  t.same([...actions(master, m), ...actions(node1, n)], [])
})

t.test('a joining worker waits until the manager has its swarm (the engine runs both at once)', async (t) => {
  const master = new FakeGuest([
    swarmProbe(SWARM_INACTIVE, undefined, true),
    swarmProbe(SWARM_INACTIVE, undefined, true),
    swarmProbe(SWARM_INACTIVE, undefined, true),
    { match: 'docker swarm join-token -q worker', stdout: `${TOKEN}\n` },
    swarmProbe(swarmManager(), ALL_READY),
  ])
  const node1 = new FakeGuest([swarmProbe(SWARM_INACTIVE, undefined, true), { match: /^docker swarm join --token / }, swarmProbe(swarmWorker(IDS.node1, '192.168.56.11'))])
  const logs: string[] = []
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  t.same(
    (await runModule(swarm, ctxOf(nodes, 'node1', logs))).map((c) => c.key),
    ['join'],
  )
  t.same(logs, ['waiting for master to manage a swarm'])
  t.equal(master.commands.filter((c) => c.includes('#vmlab:begin:engine')).length >= 4, true, 'polled the manager')
})

t.test('a worker gives up with the reason when the manager never starts its swarm', async (t) => {
  const master = new FakeGuest([swarmProbe(SWARM_INACTIVE)])
  const node1 = new FakeGuest([swarmProbe(SWARM_INACTIVE)])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  await t.rejects(runModule(swarm, ctxOf(nodes, 'node1')), {
    message: /^master did not start its swarm within 0 s: its swarm state is inactive/,
  })
  t.same(actions(node1), [], 'no join without a manager')
})

t.test('drift: node1 left the swarm → only node1 rejoins, and its old Down entry goes', async (t) => {
  const stale = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1old, 'Down'), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'
  const rejoined = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1old, 'Down'), nodeLine('node1.localdomain', IDS.node1), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'
  const master = new FakeGuest([
    // read by: the manager's own run, node2's probe, node1's probe, node1's wait for the manager
    swarmProbe(swarmManager(), stale, true),
    swarmProbe(swarmManager(), stale, true),
    swarmProbe(swarmManager(), stale, true),
    swarmProbe(swarmManager(), stale, true),
    { match: 'docker swarm join-token -q worker', stdout: `${TOKEN}\n` },
    swarmProbe(swarmManager(), rejoined, true),
    { match: `docker node rm ${IDS.node1old}`, stdout: `${IDS.node1old}\n` },
    swarmProbe(swarmManager(), ALL_READY),
  ])
  const node1 = new FakeGuest([swarmProbe(SWARM_INACTIVE, undefined, true), { match: /^docker swarm join --token / }, swarmProbe(swarmWorker(IDS.node1, '192.168.56.11'))])
  const node2 = new FakeGuest([swarmProbe(swarmWorker(IDS.node2, '192.168.56.12'))])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1, node2 } }

  t.same(await runModule(swarm, ctxOf(nodes, 'master'), { check: true }), [], 'the manager has nothing to do (node1 has no second entry yet)')
  t.same(await runModule(swarm, ctxOf(nodes, 'node2'), { check: true }), [], 'node2 is fine')
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'))
  t.same(
    changes.map((c) => c.key),
    ['join'],
  )
  t.same(actions(node1), [`sudo docker swarm join --token ${TOKEN} --advertise-addr 192.168.56.11 '192.168.56.10:2377'`])
  t.same(actions(master), ['sudo docker swarm join-token -q worker', `sudo docker node rm ${IDS.node1old}`])
  t.same(actions(node2), [])
})

t.test('a worker in another swarm leaves (--force) and joins the lab swarm', async (t) => {
  const master = new FakeGuest([
    swarmProbe(swarmManager(), [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1)].join('\n') + '\n', true),
    { match: 'docker swarm join-token -q worker', stdout: `${TOKEN}\n` },
    swarmProbe(swarmManager(), ALL_READY),
  ])
  const node2 = new FakeGuest([
    swarmProbe(swarmWorker('x9other0node0id0000000000', '192.168.56.12', '10.9.9.9:2377', 'y8othermanager00000000000'), undefined, true),
    { match: 'docker swarm leave --force', stdout: 'Node left the swarm.\n' },
    { match: /^docker swarm join --token / },
    swarmProbe(swarmWorker(IDS.node2, '192.168.56.12')),
  ])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node2 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node2'))
  t.same(
    changes.map((c) => c.key),
    ['leave', 'join'],
  )
  t.equal(changes[0]!.why, 'it is in another swarm (managers: 10.9.9.9:2377)')
  t.same(actions(node2), ['sudo docker swarm leave --force', `sudo docker swarm join --token ${TOKEN} --advertise-addr 192.168.56.12 '192.168.56.10:2377'`])
})

t.test('a worker stuck pending leaves and joins again', async (t) => {
  const master = new FakeGuest([{ match: 'docker swarm join-token -q worker', stdout: `${TOKEN}\n` }, swarmProbe(swarmManager(), ALL_READY)])
  const node1 = new FakeGuest([
    swarmProbe(SWARM_PENDING, undefined, true),
    { match: 'docker swarm leave --force', stdout: 'Node left the swarm.\n' },
    { match: /^docker swarm join --token / },
    swarmProbe(swarmWorker(IDS.node1, '192.168.56.11')),
  ])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'))
  t.same(
    changes.map((c) => c.key),
    ['leave', 'join'],
  )
  t.match(changes[0]!.why, /^its swarm state is pending \(rpc error: code = DeadlineExceeded/)
})

t.test('a member the manager lists Down for a moment (just booted) is given time instead of a rejoin', async (t) => {
  const down = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Down'), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'
  const master = new FakeGuest([swarmProbe(swarmManager(), down, true), swarmProbe(swarmManager(), down, true), swarmProbe(swarmManager(), ALL_READY)])
  const node1 = new FakeGuest([swarmProbe(swarmWorker(IDS.node1, '192.168.56.11'))])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  t.same(await runModule(swarm, ctxOf(nodes, 'node1')), [])
  t.same([...actions(master), ...actions(node1)], [])
})

t.test('a member that stays Down on the manager rejoins', async (t) => {
  const down = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Down'), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'
  const master = new FakeGuest([swarmProbe(swarmManager(), down)])
  const node1 = new FakeGuest([swarmProbe(swarmWorker(IDS.node1, '192.168.56.11'))])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'), { check: true })
  t.same(
    changes.map((c) => [c.key, c.why]),
    [
      ['leave', 'master lists it as Down'],
      ['join', "rejoin master's swarm"],
    ],
  )
})

t.test('workers of a reset manager (no swarm any more) leave and rejoin', async (t) => {
  const master = new FakeGuest([swarmProbe(SWARM_INACTIVE)])
  const node1 = new FakeGuest([swarmProbe(swarmWorker(IDS.node1, '192.168.56.11'))])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'), { check: true })
  t.same(
    changes.map((c) => [c.key, c.why]),
    [
      ['leave', 'master has no swarm of its own (was it reset?)'],
      ['join', "rejoin master's swarm"],
    ],
  )
})

t.test('the manager removes stale Down entries that have a Ready twin', async (t) => {
  const twin = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1old, 'Down'), nodeLine('node1.localdomain', IDS.node1), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'
  const master = new FakeGuest([swarmProbe(swarmManager(), twin, true), { match: `docker node rm ${IDS.node1old}`, stdout: `${IDS.node1old}\n` }, swarmProbe(swarmManager(), ALL_READY)])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master } }
  const changes = await runModule(swarm, ctxOf(nodes, 'master'))
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['prune', `docker node rm ${IDS.node1old}`]],
  )
  t.same(actions(master), [`sudo docker node rm ${IDS.node1old}`])
})

t.test('a manager that is a worker of another swarm fails with what to do', async (t) => {
  const master = new FakeGuest([swarmProbe(swarmWorker('x9other0node0id0000000000', '192.168.56.10', '10.9.9.9:2377'))])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master } }
  const err = await runModule(swarm, ctxOf(nodes, 'master')).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, LabError)
  t.match(err, { message: 'master is a worker in another swarm (managers: 10.9.9.9:2377), but the lab wants it to manage its own', hint: /docker swarm leave --force/ })
  t.same(actions(master), [])
})

t.test('nodes with the same hostname cannot both join', async (t) => {
  const master = new FakeGuest([swarmProbe(swarmManager(), MASTER_LINE + '\n')])
  const node1 = new FakeGuest([swarmProbe(SWARM_INACTIVE)])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master, node1 }, hostnames: { master: 'localhost.localdomain', node1: 'localhost.localdomain' } }
  await t.rejects(runModule(swarm, ctxOf(nodes, 'node1'), { check: true }), { message: /node1 has the same hostname as master \(localhost\.localdomain\)/ })
})

t.test('verify on the manager names the nodes that are not Ready', async (t) => {
  const partial = [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Down')].join('\n') + '\n'
  const master = new FakeGuest([swarmProbe(swarmManager(), partial)])
  const nodes: Nodes = { lab: lab(), family: 'el9', guests: { master } }
  await t.rejects(runModule(swarm, ctxOf(nodes, 'master')), {
    message: /^master: the swarm did not settle within 0 s: node1 is Down; node2 is not listed \(docker node ls: master\.localdomain Ready Leader, node1\.localdomain Down\)$/,
  })
})

t.test('a second manager joins with the manager token', async (t) => {
  const master = new FakeGuest([
    { match: 'docker swarm join-token -q manager', stdout: `${TOKEN}\n` },
    swarmProbe(swarmManager(), [MASTER_LINE, nodeLine('node1.localdomain', IDS.node1, 'Ready', 'Reachable'), nodeLine('node2.localdomain', IDS.node2)].join('\n') + '\n'),
  ])
  const node1 = new FakeGuest([
    swarmProbe(SWARM_INACTIVE, undefined, true),
    { match: /^docker swarm join --token / },
    swarmProbe(JSON.stringify({ ...JSON.parse(swarmWorker(IDS.node1, '192.168.56.11')), ControlAvailable: true }), MASTER_LINE),
  ])
  const nodes: Nodes = { lab: lab('el9', '{ managers: [master, node1] }'), family: 'el9', guests: { master, node1 } }
  const changes = await runModule(swarm, ctxOf(nodes, 'node1'))
  t.equal(changes[0]!.what, 'docker swarm join --advertise-addr 192.168.56.11 192.168.56.10:2377 (as manager)')
  t.same(actions(master), ['sudo docker swarm join-token -q manager'])
})

/**
 * Three nodes whose docker answers from one shared swarm state, so that the real engine can run the module
 * on all of them at once, as it does in a lab: the workers must wait for the manager's init.
 */
class SwarmSim {
  managerActive = false
  readonly member = new Map<NodeName, string>()
  /** Entries the manager lists: current members plus what earlier identities left behind. */
  readonly listed: Array<{ node: NodeName; id: string; status: string }> = []
  private serial = 0

  guest(name: NodeName): FakeGuest {
    const ip = `192.168.56.${{ master: 10, node1: 11, node2: 12 }[name]}`
    return new FakeGuest([
      {
        match: /#vmlab:begin:engine'/,
        reply: () => {
          const id = this.member.get(name)
          const info = id === undefined ? SWARM_INACTIVE : name === 'master' ? swarmManager({ nodes: this.listed.length }) : swarmWorker(id, ip)
          const manager = name === 'master' && this.managerActive
          const lines = this.listed.map((e) => nodeLine(`${e.node}.localdomain`, e.id, e.status, e.node === 'master' ? 'Leader' : '')).join('\n')
          return swarmProbe(info, manager ? `${lines}\n` : undefined)
        },
      },
      {
        match: 'docker swarm init --advertise-addr 192.168.56.10',
        reply: () => {
          this.managerActive = true
          this.member.set('master', IDS.master)
          this.listed.push({ node: 'master', id: IDS.master, status: 'Ready' })
          return { stdout: `Swarm initialized: current node (${IDS.master}) is now a manager.\n` }
        },
      },
      {
        match: 'docker swarm join-token -q worker',
        reply: () => (this.managerActive ? { stdout: `${TOKEN}\n` } : { code: 1, stderr: 'Error response from daemon: This node is not a swarm manager.\n' }),
      },
      { match: /^docker swarm join --token /, reply: () => this.join(name) },
      { match: 'docker swarm leave --force', reply: () => this.leave(name) },
      {
        match: /^docker node rm /,
        reply: (cmd) => {
          for (const id of cmd.split(' ').slice(3))
            this.listed.splice(
              this.listed.findIndex((e) => e.id === id),
              1,
            )
          return { stdout: '' }
        },
      },
    ])
  }

  join(name: NodeName) {
    if (!this.managerActive) return { code: 1, stderr: 'Error response from daemon: rpc error: code = Unavailable\n' }
    const id = `${name}id${++this.serial}`.padEnd(25, '0')
    this.member.set(name, id)
    this.listed.push({ node: name, id, status: 'Ready' })
    return { stdout: 'This node joined a swarm as a worker.\n' }
  }

  /** The node leaves; the manager keeps its entry, Down. */
  leave(name: NodeName) {
    const id = this.member.get(name)
    this.member.delete(name)
    for (const e of this.listed) if (e.id === id) e.status = 'Down'
    return { stdout: 'Node left the swarm.\n' }
  }
}

t.test('the real engine runs the swarm on three nodes at once; drift later rejoins only the node that left', async (t) => {
  // The engine's own code, with the module (fast polling) in place of the module loader.
  const { provision } = await t.mockImport<typeof import('../../src/engine/provision.js')>('../../src/engine/provision.js', {
    '../../src/modules/index.js': { loadModule: async () => swarm },
  })
  const sim = new SwarmSim()
  const guests = { master: sim.guest('master'), node1: sim.guest('node1'), node2: sim.guest('node2') }
  const nodes: Nodes = { lab: lab('debian'), family: 'debian', guests }
  const access: NodeAccess = {
    guest: async (name) => await ctxOf(nodes, name as NodeName).peer(name),
    secret: async (name) => name,
    labFile: (rel) => rel,
    log: () => {},
  }
  const first = await provision(nodes.lab, access, { only: ['swarm'] })
  t.same(
    first.map((r) => [r.node, r.status, r.reason]),
    [
      ['master', 'changed', undefined],
      ['node1', 'changed', undefined],
      ['node2', 'changed', undefined],
    ],
  )
  t.same(actions(guests.master), ['sudo docker swarm init --advertise-addr 192.168.56.10', 'sudo docker swarm join-token -q worker', 'sudo docker swarm join-token -q worker'])
  t.same(actions(guests.node1), [`sudo docker swarm join --token ${TOKEN} --advertise-addr 192.168.56.11 '192.168.56.10:2377'`])

  const again = await provision(nodes.lab, access, { only: ['swarm'] })
  t.same(
    again.map((r) => r.status),
    ['ok', 'ok', 'ok'],
    'second run: ok everywhere',
  )

  sim.leave('node1')
  const marks = Object.values(guests).map((g) => g.commands.length)
  const drift = await provision(nodes.lab, access, { only: ['swarm'] })
  t.same(
    drift.map((r) => [r.node, r.status]),
    [
      ['master', 'ok'],
      ['node1', 'changed'],
      ['node2', 'ok'],
    ],
  )
  t.same(actions(guests.node1, marks[1]), [`sudo docker swarm join --token ${TOKEN} --advertise-addr 192.168.56.11 '192.168.56.10:2377'`])
  t.same(actions(guests.node2, marks[2]), [])
  t.match(actions(guests.master, marks[0]), ['sudo docker swarm join-token -q worker', /^sudo docker node rm node1id1/])
  t.same(
    sim.listed.map((e) => [e.node, e.status]),
    [
      ['master', 'Ready'],
      ['node2', 'Ready'],
      ['node1', 'Ready'],
    ],
    'the Down entry of the old identity is gone',
  )
})
