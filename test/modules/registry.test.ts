import t from 'tap'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import { registryModule } from '../../src/modules/registry.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import type { Family, Module, ModuleContext } from '../../src/modules/module.js'
import { LabError } from '../../src/util/errors.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type NodeName, type Nodes } from './docker-lab.js'
import { sections } from './docker-fixtures.js'

type Options = ModuleOptions<'registry'>
const registry = registryModule({ answer: { timeoutMs: 200, pollMs: 1 } })

/** docker 26.1.4's RegistryConfig: host:port entries under IndexConfigs with Secure false. */
function registryConfig(insecure: string[], cidrs = ['::1/128', '127.0.0.0/8']): string {
  const index: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } }
  for (const r of insecure) index[r] = { Name: r, Mirrors: [], Secure: false, Official: false }
  return JSON.stringify({ AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: cidrs, IndexConfigs: index, Mirrors: null })
}
const TRUSTED = registryConfig(['master.localdomain:5000', '192.168.56.10:5000'])

/** `docker container inspect registry` of the container the course runs (abridged to what docker 26 prints around it). */
function inspect(over: { running?: boolean; status?: string; port?: string; restart?: string; image?: string; mount?: object } = {}): string {
  const running = over.running ?? true
  return JSON.stringify(
    [
      {
        Id: '5b1c2f8e7d6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c',
        Created: '2024-11-20T10:15:31.482930211Z',
        Path: '/entrypoint.sh',
        Args: ['/etc/docker/registry/config.yml'],
        State: {
          Status: over.status ?? (running ? 'running' : 'exited'),
          Running: running,
          Paused: false,
          Restarting: false,
          OOMKilled: false,
          Dead: false,
          Pid: running ? 2841 : 0,
          ExitCode: running ? 0 : 2,
          Error: '',
          StartedAt: '2024-11-20T10:15:31.802113927Z',
          FinishedAt: '0001-01-01T00:00:00Z',
        },
        Image: 'sha256:75ef5b734af47dc41ff2fb442f287ee08c7da31dddb3759616a8f693f0f346a0',
        Name: '/registry',
        RestartCount: 0,
        Driver: 'overlay2',
        HostConfig: {
          Binds: ['registry-data:/var/lib/registry'],
          NetworkMode: 'bridge',
          PortBindings: { '5000/tcp': [{ HostIp: '', HostPort: over.port ?? '5000' }] },
          RestartPolicy: { Name: over.restart ?? 'always', MaximumRetryCount: 0 },
          AutoRemove: false,
        },
        Mounts: [
          over.mount ?? {
            Type: 'volume',
            Name: 'registry-data',
            Source: '/var/lib/docker/volumes/registry-data/_data',
            Destination: '/var/lib/registry',
            Driver: 'local',
            Mode: 'z',
            RW: true,
            Propagation: '',
          },
        ],
        Config: {
          Hostname: '5b1c2f8e7d6a',
          ExposedPorts: { '5000/tcp': {} },
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          Cmd: ['/etc/docker/registry/config.yml'],
          Image: over.image ?? 'registry:2',
          Volumes: { '/var/lib/registry': {} },
          Entrypoint: ['/entrypoint.sh'],
        },
      },
    ],
    null,
    4,
  )
}
const NO_CONTAINER = '[]\nError: No such container: registry\n'

function probe(config: string, container?: { out: string; code?: number }, curl = true, once = true): Answer {
  return {
    match: /#vmlab:begin:config/,
    once,
    stdout: sections({
      config: { out: `${config}\n` },
      commands: { out: curl ? 'has curl\n' : '' },
      packages: { out: curl ? 'installed curl\naptlists yes\n' : 'aptlists yes\n' },
      container: container ?? { out: '' },
    }),
  }
}

const CURL_V2 = /^curl -s -m 10 -o - -w .* 'http:\/\/master\.localdomain:5000\/v2\/'$/s
const CURL_V2_SENT = /^sudo curl .*'http:\/\/master\.localdomain:5000\/v2\/'$/s
const answersV2: Answer = { match: CURL_V2, stdout: '{}\n#vmlab:http:200' }
const ROUND_TRIP_MASTER: Answer[] = [{ match: /^sh -c 'docker image inspect vmlab-probe:1/ }, { match: /^docker (tag|push|rmi) / }]

function nodes(family: Family, guests: Nodes['guests'], registryOpts = '{ node: master }'): Nodes {
  return { lab: swarmLab(family, ['docker', `registry: ${registryOpts}`]), family, guests }
}

function ctxOf(n: Nodes, node: NodeName): ModuleContext<Options> {
  return contextFor(n, node, node === 'master' ? 'registry' : 'client', optionsOf<Options>(n.lab, 'registry'))
}

/** probe and plan only: what a second run would do. */
async function planOnly<O, P>(mod: Module<O, P>, ctx: ModuleContext<O>) {
  return mod.plan(ctx, await mod.probe(ctx))
}

t.test('registry node: no container → docker run as the course does; verify pushes here and pulls on node1; then nothing to do', async (t) => {
  const master = new FakeGuest([probe(TRUSTED, { out: NO_CONTAINER, code: 1 }), { match: /^docker run / }, answersV2, ...ROUND_TRIP_MASTER, probe(TRUSTED, { out: inspect() })])
  const node1 = new FakeGuest([{ match: /^docker (pull|rmi) / }])
  const n = nodes('el9', { master, node1 })
  const changes = await runModule(registry, ctxOf(n, 'master'))
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['run', 'docker run -d -p 5000:5000 --restart=always --name registry -v registry-data:/var/lib/registry registry:2']],
  )
  t.same(actions(master), [
    "sudo docker run -d -p '5000:5000' '--restart=always' --name registry -v 'registry-data:/var/lib/registry' 'registry:2'",
    "sudo curl -s -m 10 -o - -w '\n#vmlab:http:%{http_code}' 'http://master.localdomain:5000/v2/'",
    "sudo sh -c 'docker image inspect vmlab-probe:1 >/dev/null 2>&1 || tar -C /etc -c hostname | docker import - vmlab-probe:1'",
    "sudo docker tag 'vmlab-probe:1' 'master.localdomain:5000/vmlab-probe:1'",
    "sudo docker push 'master.localdomain:5000/vmlab-probe:1'",
    "sudo docker rmi 'master.localdomain:5000/vmlab-probe:1' 'vmlab-probe:1'",
  ])
  t.same(actions(node1), ["sudo docker pull '192.168.56.10:5000/vmlab-probe:1'", "sudo docker rmi '192.168.56.10:5000/vmlab-probe:1'"], 'pulled by address on another node')
  t.match(master.commands[0], /docker info --format '\{\{json \.RegistryConfig\}\}' 2>&1\n/)
  t.match(master.commands[0], /docker container inspect registry 2>&1\n/)

  const before = master.commands.length
  t.same(await planOnly(registry, ctxOf(n, 'master')), [], 'second run plans nothing')
  t.equal(master.commands.length, before + 1, 'one round trip to probe')
})

t.test('registry node drift: removed → run; stopped → start; other port, policy, volume or image → recreate', async (t) => {
  const cases: Array<{ name: string; container: { out: string; code?: number }; keys: string[]; why?: RegExp; run: string[] }> = [
    { name: 'removed', container: { out: NO_CONTAINER, code: 1 }, keys: ['run'], run: [/^sudo docker run /.source] },
    { name: 'stopped', container: { out: inspect({ running: false }) }, keys: ['start'], why: /exited/, run: ['^sudo docker start registry$'] },
    {
      name: 'port',
      container: { out: inspect({ port: '5001' }) },
      keys: ['recreate'],
      why: /publishes port 5001, the lab wants 5000/,
      run: ['^sudo docker rm -f registry$', '^sudo docker run '],
    },
    { name: 'restart policy', container: { out: inspect({ restart: 'no' }) }, keys: ['recreate'], why: /restart policy is no, the lab wants always/, run: ['rm -f', 'run'] },
    {
      name: 'bind mount',
      container: { out: inspect({ mount: { Type: 'bind', Source: '/opt/registry', Destination: '/var/lib/registry', Mode: '', RW: true, Propagation: 'rprivate' } }) },
      keys: ['recreate'],
      why: /\/var\/lib\/registry is bind \/opt\/registry, the lab wants volume registry-data/,
      run: ['rm -f', 'run'],
    },
    { name: 'image', container: { out: inspect({ image: 'registry:2.8' }) }, keys: ['recreate'], why: /its image is registry:2.8, the lab wants registry:2/, run: ['rm -f', 'run'] },
  ]
  for (const c of cases) {
    const master = new FakeGuest([probe(TRUSTED, c.container), { match: /^docker (run|start|rm) / }])
    const ctx = ctxOf(nodes('debian', { master }), 'master')
    const probed = await registry.probe(ctx)
    const changes = registry.plan(ctx, probed)
    t.same(
      changes.map((x) => x.key),
      c.keys,
      c.name,
    )
    if (c.why) t.match(changes[0]!.why, c.why, `${c.name}: why`)
    await registry.apply(ctx, changes, probed)
    const ran = actions(master)
    t.equal(ran.length, c.run.length, `${c.name}: commands`)
    for (const [i, re] of c.run.entries()) t.match(ran[i], new RegExp(re), `${c.name}: command ${i}`)
  }
})

t.test('a bind-mounted registry the lab asks for is the wanted one', async (t) => {
  const mount = { Type: 'bind', Source: '/opt/registry', Destination: '/var/lib/registry', Mode: '', RW: true, Propagation: 'rprivate' }
  const master = new FakeGuest([probe(TRUSTED, { out: inspect({ mount }) })])
  t.same(await planOnly(registry, ctxOf(nodes('el9', { master }, '{ node: master, volume: /opt/registry }'), 'master')), [])
})

t.test('client: trusts both names → nothing to plan; verify asks /v2/ until the registry answers', async (t) => {
  const node1 = new FakeGuest([probe(TRUSTED), { match: CURL_V2, stdout: '\n#vmlab:http:000', code: 7, once: true }, { match: CURL_V2, stdout: '\n#vmlab:http:000', code: 7, once: true }, answersV2])
  const changes = await runModule(registry, ctxOf(nodes('debian', { node1 }), 'node1'))
  t.same(changes, [])
  t.equal(actions(node1).length, 3, 'asked until it answered')
  t.notMatch(node1.commands[0], /container inspect/, 'a client has no container to inspect')
})

t.test('client: an insecure CIDR that holds the registry address counts as trust for both names', async (t) => {
  const node1 = new FakeGuest([probe(registryConfig([], ['127.0.0.0/8', '192.168.56.0/24']))])
  t.same(await planOnly(registry, ctxOf(nodes('el9', { node1 }), 'node1')), [])
})

t.test('client: an untrusted name fails the plan, telling the teacher what to list in the docker module', async (t) => {
  const node1 = new FakeGuest([probe(registryConfig(['master.localdomain:5000']))])
  const ctx = ctxOf(nodes('el9', { node1 }), 'node1')
  const probed = await registry.probe(ctx)
  const error = (() => {
    try {
      registry.plan(ctx, probed)
    } catch (e) {
      return e
    }
    return undefined
  })()
  t.ok(error instanceof LabError, 'the plan fails')
  const e = error as LabError
  t.match(e.message, /^node1: docker does not trust the lab registry 192\.168\.56\.10:5000 over plain HTTP/)
  t.match(e.message, /server gave HTTP response to HTTPS client/)
  t.match(e.hint, /insecure_registries/)
  t.match(e.hint, 'docker: { insecure_registries: ["master.localdomain:5000", "192.168.56.10:5000"] }')
})

t.test('curl missing: installed before verify needs it (Debian minimal images have none)', async (t) => {
  const node1 = new FakeGuest([probe(TRUSTED, undefined, false), { match: /apt-get/ }, answersV2])
  const changes = await runModule(registry, ctxOf(nodes('debian', { node1 }), 'node1'))
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['tools', 'install curl']],
  )
  t.match(actions(node1), [/^sudo env 'DEBIAN_FRONTEND=noninteractive' .*apt-get -y .* install curl$/, CURL_V2_SENT])
})

t.test('docker not running: the probe says so and points at the docker module', async (t) => {
  const daemonDown = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'
  const master = new FakeGuest([
    {
      match: /#vmlab:begin:config/,
      stdout: sections({ config: { out: `${daemonDown}\n`, code: 1 }, commands: { out: 'has curl\n' }, packages: { out: '' }, container: { out: `${daemonDown}\n`, code: 1 } }),
    },
  ])
  await t.rejects(registry.probe(ctxOf(nodes('el9', { master }), 'master')), { message: /Is the docker daemon running\?/, hint: /run the docker module first/ })
})

t.test('verify: a registry that never answers fails with what was seen and where to look', async (t) => {
  const node2 = new FakeGuest([probe(TRUSTED), { match: CURL_V2, stdout: '<html>502</html>\n#vmlab:http:502' }])
  await t.rejects(runModule(registry, ctxOf(nodes('el9', { node2 }), 'node2')), {
    message: /node2: the registry did not answer http:\/\/master\.localdomain:5000\/v2\/ within 0 s: last answer: HTTP 502/,
    hint: /docker logs registry/,
  })
})

t.test('verify: a refused push fails with the registry hint', async (t) => {
  const master = new FakeGuest([
    probe(TRUSTED, { out: inspect() }),
    answersV2,
    { match: /^sh -c / },
    { match: /^docker tag / },
    { match: /^docker push /, code: 1, stderr: 'Get "https://master.localdomain:5000/v2/": http: server gave HTTP response to HTTPS client\n' },
  ])
  await t.rejects(runModule(registry, ctxOf(nodes('el9', { master }), 'master')), { message: /server gave HTTP response to HTTPS client/, hint: /docker logs registry/ })
})

t.test('bake: curl in the base image', async (t) => {
  t.same(registry.bake?.('debian', optionsOf<Options>(nodes('debian', {}).lab, 'registry')), ['curl'])
})
