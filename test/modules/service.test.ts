import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { symlink } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { FakeGuest } from '../helpers/fake-guest.js'
import { serviceModule } from '../../src/modules/service.js'
import { httpStatuses } from '../../src/modules/lib/docker-http.js'
import { commandText } from '../../src/guest/remote-command.js'
import type { Guest } from '../../src/modules/module.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'
import { sections, swarmManager, engineInfo, engineState, swarmWorker, IDS } from './docker-fixtures.js'

type Options = ModuleOptions<'service'>
const service = serviceModule({ converge: { timeoutMs: 60, pollMs: 1 }, mesh: { timeoutMs: 60, pollMs: 1 } })

const DIGEST = 'sha256:bc5eac5eafc581aeda3008b4b1f07ebba230de2f27d47767129a6a905c84f470'

/** `docker service inspect web` as docker 26 prints it (trimmed of the parts nobody reads). */
function inspect(opts: { image?: string; replicas?: number; global?: boolean; ports?: Array<[number, number]>; networks?: string[]; args?: string[] } = {}): string {
  const ports = (opts.ports ?? [[8080, 80]]).map(([published, target]) => ({ Protocol: 'tcp', TargetPort: target, PublishedPort: published, PublishMode: 'ingress' }))
  return JSON.stringify(
    [
      {
        ID: 'l2k0s9yq1x6m3wt2v8r7c5n4a',
        Version: { Index: 42 },
        CreatedAt: '2024-11-20T10:05:01.123456789Z',
        UpdatedAt: '2024-11-20T10:05:01.223456789Z',
        Spec: {
          Name: 'web',
          Labels: {},
          TaskTemplate: {
            ContainerSpec: {
              Image: opts.image ?? `nginx:latest@${DIGEST}`,
              ...(opts.args ? { Args: opts.args } : {}),
              Init: false,
              StopGracePeriod: 10000000000,
              DNSConfig: {},
              Isolation: 'default',
            },
            Resources: { Limits: {}, Reservations: {} },
            RestartPolicy: { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 },
            Placement: { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
            ...(opts.networks ? { Networks: opts.networks.map((Target) => ({ Target })) } : {}),
            ForceUpdate: 0,
            Runtime: 'container',
          },
          Mode: opts.global ? { Global: {} } : { Replicated: { Replicas: opts.replicas ?? 5 } },
          UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5000000000, MaxFailureRatio: 0, Order: 'stop-first' },
          RollbackConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5000000000, MaxFailureRatio: 0, Order: 'stop-first' },
          EndpointSpec: { Mode: 'vip', ...(ports.length ? { Ports: ports } : {}) },
        },
        Endpoint: { Spec: { Mode: 'vip' }, VirtualIPs: [{ NetworkID: 'kfd7yq6c1t0r8zvjk2n4q2x6e', Addr: '10.0.0.7/24' }] },
      },
    ],
    null,
    4,
  )
}

function probeAnswer(serviceJson: string | undefined, once = true, swarm = swarmManager()) {
  return {
    match: /#vmlab:begin:service/,
    stdout: sections({
      engine: { out: engineState({ info: engineInfo(swarm) }) },
      service: serviceJson === undefined ? { out: '[]\n', code: 1 } : { out: `${serviceJson}\n` },
      network: { out: '' },
    }),
    stderr: serviceJson === undefined ? 'Error: no such service: web\n' : '',
    once,
  }
}

function lsLine(replicas: string): string {
  return JSON.stringify({ ID: 'l2k0s9yq1x6m', Image: 'nginx:latest', Mode: 'replicated', Name: 'web', Ports: '*:8080->80/tcp', Replicas: replicas })
}

function convergeAnswer(replicas: string, ps = '', once = false) {
  return { match: /#vmlab:begin:ls/, stdout: sections({ ls: { out: `${lsLine(replicas)}\n` }, ps: { out: ps } }), once }
}

const MESH_OK = { match: /^get\(\) \{/, stdout: '192.168.56.10:8080 200\n192.168.56.11:8080 200\n192.168.56.12:8080 200\n' }

function ctxFor(guest: FakeGuest, serviceOpts: string) {
  const lab = swarmLab('el9', ['docker', 'swarm: { managers: [master] }', `service: ${serviceOpts}`])
  const nodes: Nodes = { lab, family: 'el9', guests: { master: guest } }
  return contextFor(nodes, 'master', 'manager', optionsOf<Options>(lab, 'service'))
}

const WEB = '{ name: web, image: nginx, replicas: 5, publish: "8080:80" }'

t.test('missing service → create (detached), wait for 5/5, every node answers on 8080; second run plans nothing', async (t) => {
  const guest = new FakeGuest([
    probeAnswer(undefined),
    { match: /^docker service create /, stdout: 'l2k0s9yq1x6m3wt2v8r7c5n4a\n' },
    convergeAnswer('0/5', '', true),
    convergeAnswer('5/5'),
    MESH_OK,
    probeAnswer(inspect(), false),
  ])
  const ctx = ctxFor(guest, WEB)
  const changes = await runModule(service, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['create', 'docker service create --detach --name web --replicas 5 --publish published=8080,target=80 nginx']],
  )
  t.equal(actions(guest).length, 2)
  t.equal(actions(guest)[0], "sudo docker service create --detach --name web --replicas 5 --publish 'published=8080,target=80' nginx")
  t.match(
    actions(guest)[1],
    /\necho "192\.168\.56\.10:8080 \$\(get 192\.168\.56\.10 8080\)"\necho "192\.168\.56\.11:8080 \$\(get 192\.168\.56\.11 8080\)"\necho "192\.168\.56\.12:8080 \$\(get 192\.168\.56\.12 8080\)"$/,
  )
  t.match(
    guest.commands.find((c) => c.includes('#vmlab:begin:ls')),
    /docker service ls --filter 'name=web' --format '\{\{json \.\}\}'/,
  )

  const before = guest.commands.length
  t.same(await runModule(service, ctx), [], 'the resolved digest in the spec is the same image')
  t.same(
    actions(guest, before).filter((c) => !c.startsWith('get()')),
    [],
  )
})

t.test('local images: --no-resolve-image on create and on an image update', async (t) => {
  const guest = new FakeGuest([probeAnswer(undefined), { match: /^docker service create / }, convergeAnswer('2/2'), MESH_OK])
  await runModule(service, ctxFor(guest, '{ name: web, image: "lab/web:1", replicas: 2, publish: "8080:80", no_resolve_image: true }'))
  t.equal(actions(guest)[0], "sudo docker service create --detach --name web --replicas 2 --publish 'published=8080,target=80' --no-resolve-image 'lab/web:1'")

  const drift = new FakeGuest([probeAnswer(inspect({ image: 'lab/web:1', replicas: 2 })), { match: /^docker service update / }, convergeAnswer('2/2'), MESH_OK])
  await runModule(service, ctxFor(drift, '{ name: web, image: "lab/web:2", replicas: 2, publish: "8080:80", no_resolve_image: true }'))
  t.equal(actions(drift)[0], "sudo docker service update --detach --image 'lab/web:2' --no-resolve-image web")
})

t.test('drift: fewer replicas, another image, port not published → one update and a scale, nothing else', async (t) => {
  const guest = new FakeGuest([probeAnswer(inspect({ image: `nginx:alpine@${DIGEST}`, replicas: 2, ports: [] })), { match: /^docker service (update|scale) / }, convergeAnswer('5/5'), MESH_OK])
  const changes = await runModule(service, ctxFor(guest, WEB))
  t.same(
    changes.map((c) => [c.key, c.what, c.why]),
    [
      ['image', 'docker service update --image nginx web', `it runs nginx:alpine@${DIGEST}`],
      ['publish', 'docker service update --publish-add published=8080,target=80 web', 'port 8080:80 is not published'],
      ['scale', 'docker service scale web=5', 'it has 2 replicas'],
    ],
  )
  t.same(
    actions(guest).filter((c) => !c.startsWith('get()')),
    ["sudo docker service update --detach --image nginx --publish-add 'published=8080,target=80' web", "sudo docker service scale --detach 'web=5'"],
  )
})

t.test('a published port held by another target is removed by its target before the add', async (t) => {
  const guest = new FakeGuest([probeAnswer(inspect({ ports: [[8080, 81]] }))])
  const changes = await runModule(service, ctxFor(guest, WEB), { check: true })
  t.same(
    changes.map((c) => [c.what, c.why]),
    [['docker service update --publish-rm 81/tcp --publish-add published=8080,target=80 web', 'port 8080:80 is not published (81/tcp holds it now)']],
  )
})

t.test('a mode change recreates the service; a command is compared with the Args of the spec', async (t) => {
  const guest = new FakeGuest([probeAnswer(inspect({ replicas: 1 })), { match: /^docker service (rm|create) / }, convergeAnswer('3/3'), MESH_OK])
  const changes = await runModule(service, ctxFor(guest, '{ name: web, image: nginx, mode: global, publish: "8080:80" }'))
  t.same(
    changes.map((c) => c.key),
    ['recreate'],
  )
  t.same(actions(guest).slice(0, 2), ['sudo docker service rm web', "sudo docker service create --detach --name web --mode global --publish 'published=8080,target=80' nginx"])

  const args = new FakeGuest([probeAnswer(inspect({ args: ['nginx', '-g', 'daemon off;'] }))])
  const plan = await runModule(service, ctxFor(args, '{ name: web, image: nginx, replicas: 5, publish: "8080:80", command: [nginx, -g, "daemon off; worker_processes 2;"] }'), { check: true })
  t.same(
    plan.map((c) => c.what),
    [`docker service update --args 'nginx -g "daemon off; worker_processes 2;"' web`],
  )
})

t.test('replicas that never start: the failure quotes what the tasks report', async (t) => {
  const ps = [
    JSON.stringify({
      CurrentState: 'Rejected 3 seconds ago',
      DesiredState: 'Shutdown',
      Error: 'No such image: nginx:latest',
      ID: 'x1',
      Image: 'nginx:latest',
      Name: 'web.1',
      Node: 'node1.localdomain',
      Ports: '',
    }),
    JSON.stringify({ CurrentState: 'Running 5 seconds ago', DesiredState: 'Running', Error: '', ID: 'x2', Image: 'nginx:latest', Name: 'web.2', Node: 'master.localdomain', Ports: '' }),
  ].join('\n')
  const guest = new FakeGuest([probeAnswer(undefined), { match: /^docker service create / }, convergeAnswer('1/5', `${ps}\n`)])
  await t.rejects(runModule(service, ctxFor(guest, WEB)), {
    message: 'master: service web did not start its replicas within 0 s: 1/5 running, 5 wanted; tasks report node1.localdomain: No such image: nginx:latest',
  })
})

t.test('verify names the nodes where the routing mesh does not answer', async (t) => {
  const guest = new FakeGuest([probeAnswer(inspect()), convergeAnswer('5/5'), { match: /^get\(\) \{/, stdout: '192.168.56.10:8080 200\n192.168.56.11:8080 502\n192.168.56.12:8080 000\n' }])
  await t.rejects(runModule(service, ctxFor(guest, WEB)), {
    message: 'master: the routing mesh does not answer for web within 0 s: http://192.168.56.11:8080/ (node1) answered 502; http://192.168.56.12:8080/ (node2) did not answer',
  })
})

t.test('not on a swarm manager: the plan says to run the swarm module', async (t) => {
  const guest = new FakeGuest([probeAnswer(undefined, true, swarmWorker(IDS.node1, '192.168.56.10'))])
  await t.rejects(runModule(service, ctxFor(guest, WEB), { check: true }), { message: 'master is not a swarm manager (swarm state active); services are created on one' })
})

/** This machine as the manager: the HTTP check script runs for real under /bin/sh. */
function localGuest(path?: string): Guest {
  return {
    exec: (cmd) =>
      new Promise((resolve) => {
        const env = path === undefined ? process.env : { ...process.env, PATH: path }
        execFile('/bin/sh', ['-c', commandText(cmd)], { encoding: 'utf8', env }, (error, stdout, stderr) => {
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr })
        })
      }),
    upload: async () => {
      throw new Error('not used')
    },
  }
}

t.test('the HTTP check script: statuses with curl, and with bash alone where curl is missing', async (t) => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/' ? 200 : 404
    res.end('welcome to nginx')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as AddressInfo).port
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const deadPort = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const targets = [
    { host: '127.0.0.1', port },
    { host: '127.0.0.1', port: deadPort },
  ]
  const expected = new Map([
    [`127.0.0.1:${port}`, 200],
    [`127.0.0.1:${deadPort}`, 0],
  ])
  t.same(await httpStatuses(localGuest(), targets), expected, 'curl')

  const bin = tempDir(t, 'vmlab-nocurl-')
  for (const tool of ['bash', 'timeout', 'sed', 'head']) await symlink(`/usr/bin/${tool}`, join(bin, tool))
  t.same(await httpStatuses(localGuest(bin), targets), expected, 'bash /dev/tcp')
})
