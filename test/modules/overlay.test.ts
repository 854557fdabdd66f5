import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { overlayModule } from '../../src/modules/overlay.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'
import { IDS, engineInfo, engineState, sections, swarmManager } from './docker-fixtures.js'

type Options = ModuleOptions<'overlay'>
const overlay = overlayModule({ converge: { timeoutMs: 40, pollMs: 1 }, ping: { timeoutMs: 40, pollMs: 1 } })

const NET_ID = 'k3p9x2m7q1w8e5r4t6y0u2i3o'
const CONTAINERS = { master: '9a1b'.padEnd(64, '0'), node1: '6f1c'.padEnd(64, '1'), node2: '3e7d'.padEnd(64, '2') }

function network(attachable = true, driver = 'overlay', scope = 'swarm'): string {
  return JSON.stringify([
    {
      Name: 'busybox_overlay_network',
      Id: NET_ID,
      Created: '2024-11-20T10:10:10.123456789Z',
      Scope: scope,
      Driver: driver,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] },
      Internal: false,
      Attachable: attachable,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: null,
      Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' },
      Labels: null,
    },
  ])
}

function busybox(replicas = 2): string {
  return JSON.stringify([
    {
      ID: 'b8v7c6x5z4a3s2d1f0g9h8j7k',
      Spec: {
        Name: 'busybox_service',
        Labels: {},
        TaskTemplate: {
          ContainerSpec: { Image: 'busybox', Args: ['sleep', '86400'], Init: false, StopGracePeriod: 10000000000, DNSConfig: {}, Isolation: 'default' },
          Networks: [{ Target: NET_ID }],
          ForceUpdate: 0,
          Runtime: 'container',
        },
        Mode: { Replicated: { Replicas: replicas } },
        EndpointSpec: { Mode: 'vip' },
      },
    },
  ])
}

function probeAnswer(service: string | undefined, net: string | undefined, once = true) {
  return {
    match: /#vmlab:begin:service/,
    stdout: sections({
      engine: { out: engineState({ info: engineInfo(swarmManager()) }) },
      service: service === undefined ? { out: '[]\n', code: 1 } : { out: `${service}\n` },
      network: net === undefined ? { out: '[]\n', code: 1 } : { out: `${net}\n` },
    }),
    once,
  }
}

function converged(replicas: string) {
  const ls = JSON.stringify({ ID: 'b8v7c6x5z4a3', Image: 'busybox:latest', Mode: 'replicated', Name: 'busybox_service', Ports: '', Replicas: replicas })
  return { match: /#vmlab:begin:ls/, stdout: sections({ ls: { out: `${ls}\n` }, ps: { out: '' } }) }
}

function task(slot: number, node: keyof typeof CONTAINERS, ip: string): unknown {
  const nodeId = { master: IDS.master, node1: IDS.node1, node2: IDS.node2 }[node]
  return {
    ID: `t${slot}`.padEnd(25, 'x'),
    Version: { Index: 60 + slot },
    ServiceID: 'b8v7c6x5z4a3s2d1f0g9h8j7k',
    Slot: slot,
    NodeID: nodeId,
    Status: { Timestamp: '2024-11-20T10:11:00Z', State: 'running', Message: 'started', ContainerStatus: { ContainerID: CONTAINERS[node], PID: 2400 + slot, ExitCode: 0 }, PortStatus: {} },
    DesiredState: 'running',
    NetworksAttachments: [
      {
        Network: { ID: NET_ID, Spec: { Name: 'busybox_overlay_network', Labels: {}, DriverConfiguration: { Name: 'overlay' }, Attachable: true, Scope: 'swarm' } },
        Addresses: [`${ip}/24`],
      },
    ],
  }
}

const NODES = JSON.stringify(
  (['master', 'node1', 'node2'] as const).map((n, i) => ({
    ID: { master: IDS.master, node1: IDS.node1, node2: IDS.node2 }[n],
    Description: { Hostname: `${n}.localdomain`, Platform: { Architecture: 'x86_64', OS: 'linux' } },
    Status: { State: 'ready', Addr: `192.168.56.${10 + i}` },
  })),
)

function tasksAnswer(tasks: unknown[]) {
  return { match: /#vmlab:begin:tasks/, stdout: sections({ tasks: { out: `${JSON.stringify(tasks)}\n` }, nodes: { out: `${NODES}\n` } }) }
}

const pingOk = (ip: string) => ({
  match: /^docker exec .* ping -c 1 -W 2 /,
  stdout: `PING ${ip} (${ip}): 56 data bytes\n64 bytes from ${ip}: seq=0 ttl=64 time=0.512 ms\n\n--- ${ip} ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\nround-trip min/avg/max = 0.512/0.512/0.512 ms\n`,
})

function setup(opts = '{ no_resolve_image: true }') {
  const lab = swarmLab('debian', ['docker', 'swarm: { managers: [master] }', `overlay: ${opts}`])
  const guests = { master: new FakeGuest(), node1: new FakeGuest(), node2: new FakeGuest() }
  const nodes: Nodes = { lab, family: 'debian', guests }
  const logs: string[] = []
  return { guests, logs, ctx: contextFor(nodes, 'master', 'manager', optionsOf<Options>(lab, 'overlay'), logs) }
}

t.test('fresh: network and busybox replicas created; a replica on node1 pings one on node2 and back; then nothing', async (t) => {
  const { guests, logs, ctx } = setup()
  guests.master.answer(
    probeAnswer(undefined, undefined),
    { match: /^docker (network|service) create / },
    converged('2/2'),
    tasksAnswer([task(1, 'node1', '10.0.1.3'), task(2, 'node2', '10.0.1.4')]),
    probeAnswer(busybox(), network(), false),
  )
  guests.node1.answer(pingOk('10.0.1.4'))
  guests.node2.answer(pingOk('10.0.1.3'))
  const changes = await runModule(overlay, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['network', 'docker network create -d overlay --attachable busybox_overlay_network'],
      ['create', 'docker service create --detach --name busybox_service --replicas 2 --network busybox_overlay_network --no-resolve-image busybox sleep 86400'],
    ],
  )
  t.same(actions(guests.master), [
    'sudo docker network create -d overlay --attachable busybox_overlay_network',
    'sudo docker service create --detach --name busybox_service --replicas 2 --network busybox_overlay_network --no-resolve-image busybox sleep 86400',
  ])
  t.same(actions(guests.node1), [`sudo docker exec ${CONTAINERS.node1} ping -c 1 -W 2 10.0.1.4`])
  t.same(actions(guests.node2), [`sudo docker exec ${CONTAINERS.node2} ping -c 1 -W 2 10.0.1.3`])
  t.same(logs, ['ping: busybox_service.1 on node1 → 10.0.1.4 (busybox_service.2 on node2): ok; busybox_service.2 on node2 → 10.0.1.3 (busybox_service.1 on node1): ok'])

  const before = guests.master.commands.length
  t.same(await runModule(overlay, ctx), [])
  t.same(actions(guests.master, before), [])
})

t.test('scaling the exercise to 3: only a scale', async (t) => {
  const { guests, ctx } = setup('{ replicas: 3 }')
  guests.master.answer(probeAnswer(busybox(2), network()))
  const changes = await runModule(overlay, ctx, { check: true })
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['scale', 'docker service scale busybox_service=3']],
  )
})

t.test('an existing network that is not attachable (or not overlay) fails with what to do', async (t) => {
  const a = setup()
  a.guests.master.answer(probeAnswer(undefined, network(false)))
  await t.rejects(runModule(overlay, a.ctx, { check: true }), {
    message: 'master: overlay network busybox_overlay_network is not attachable, and that can only be chosen when it is created',
  })
  const b = setup()
  b.guests.master.answer(probeAnswer(undefined, network(true, 'bridge', 'local')))
  await t.rejects(runModule(overlay, b.ctx, { check: true }), { message: /driver bridge \(scope local\); swarm services need an overlay network/ })
})

t.test('replicas all on one node: the plan spreads them again; if they stay there, verify says where they are', async (t) => {
  const { guests, ctx } = setup()
  const onMaster = tasksAnswer([task(1, 'master', '10.0.1.3'), task(2, 'master', '10.0.1.4')])
  guests.master.answer(probeAnswer(busybox(), network()), converged('2/2'), onMaster)
  const planned = await runModule(overlay, ctx, { check: true })
  t.same(
    planned.map((c) => c.key),
    ['spread'],
  )
  t.match(planned[0]!.why, /all run on master; the ping test needs two nodes/)
  const before = guests.master.commands.length
  guests.master.answer(probeAnswer(busybox(), network()), { match: /^docker service update --detach --force busybox_service$/ })
  await t.rejects(runModule(overlay, ctx), {
    message: /cannot ping each other over busybox_overlay_network within 0 s: its 2 running replica\(s\) are all on master; the test needs two nodes$/,
  })
  t.same(
    actions(guests.master, before).filter((c) => c.includes('update')),
    ['sudo docker service update --detach --force busybox_service'],
  )
})

t.test('replicas spread over two nodes or more: nothing to spread', async (t) => {
  const { guests, ctx } = setup()
  guests.master.answer(probeAnswer(busybox(), network()), tasksAnswer([task(1, 'master', '10.0.1.3'), task(2, 'node2', '10.0.1.4')]))
  t.same(await runModule(overlay, ctx, { check: true }), [])
})

t.test('a failing ping is reported with every pair that was tried (the replica on the manager runs through its own guest)', async (t) => {
  const { guests, ctx } = setup()
  guests.master.answer(probeAnswer(busybox(), network()), converged('2/2'), tasksAnswer([task(1, 'master', '10.0.1.3'), task(2, 'node2', '10.0.1.4')]), {
    match: /^docker exec .* ping /,
    code: 1,
    stdout: 'PING 10.0.1.4 (10.0.1.4): 56 data bytes\n\n--- 10.0.1.4 ping statistics ---\n1 packets transmitted, 0 packets received, 100% packet loss\n',
  })
  guests.node2.answer(pingOk('10.0.1.3'))
  await t.rejects(runModule(overlay, ctx), {
    message:
      'master: replicas of busybox_service on different nodes cannot ping each other over busybox_overlay_network within 0 s: ' +
      'busybox_service.1 on master → 10.0.1.4 (busybox_service.2 on node2): failed, 1 packets transmitted, 0 packets received, 100% packet loss; ' +
      'busybox_service.2 on node2 → 10.0.1.3 (busybox_service.1 on master): ok',
  })
  t.match(actions(guests.master).at(-1), new RegExp(`^sudo docker exec ${CONTAINERS.master} ping -c 1 -W 2 10\\.0\\.1\\.4$`))
})
