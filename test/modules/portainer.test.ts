import t from 'tap'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import { fileOut, probeOutput } from '../helpers/module-run.js'
import { portainerModule, renderStack, SECRET, STACK_FILE } from '../../src/modules/portainer.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import type { Family, ModuleContext } from '../../src/modules/module.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'

type Options = ModuleOptions<'portainer'>
const portainer = portainerModule({ settle: { timeoutMs: 200, pollMs: 1 } })

/** docker 26.1.4 `docker stack services portainer --format '{{json .}}'`. */
function services(agent = '3/3', ui = '1/1', which: string[] = ['agent', 'portainer']): string {
  const lines = {
    agent: { ID: 'ix1b0d0mrh6x', Image: 'portainer/agent:lts', Mode: 'global', Name: 'portainer_agent', Ports: '', Replicas: agent },
    portainer: {
      ID: 'r3vx3kx9t0pq',
      Image: 'portainer/portainer-ce:lts',
      Mode: 'replicated',
      Name: 'portainer_portainer',
      Ports: '*:8000->8000/tcp, *:9000->9000/tcp, *:9443->9443/tcp',
      Replicas: ui,
    },
  } as Record<string, object>
  return which.map((w) => `${JSON.stringify(lines[w])}\n`).join('')
}
const NOTHING = 'Nothing found in stack: portainer\n'
const NOT_MANAGER = 'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.\n'

function lab(family: Family, opts = '') {
  return swarmLab(family, ['docker', 'swarm: { managers: [master] }', opts ? `portainer: ${opts}` : 'portainer'])
}

function ctxOf(family: Family, guest: FakeGuest, opts = '', secret = 'the-lab-password-12345'): ModuleContext<Options> & { asked: string[] } {
  const l = lab(family, opts)
  const nodes: Nodes = { lab: l, family, guests: { master: guest } }
  const asked: string[] = []
  const ctx = contextFor(nodes, 'master', 'manager', optionsOf<Options>(l, 'portainer'))
  return {
    ...ctx,
    asked,
    secret: async (name) => {
      asked.push(name)
      return secret
    },
  }
}

function probe(o: { file?: string; same?: boolean; secret: boolean; services: string; code?: number }): Answer {
  return {
    match: /#vmlab:begin:file/,
    once: true,
    stdout: probeOutput({
      file: fileOut(o.file, { sendContent: !o.same, dir: o.file !== undefined }),
      secret: o.code ? { out: NOT_MANAGER, code: o.code } : o.secret ? `${SECRET}\n` : '',
      services: { out: o.services, code: o.code ?? 0 },
    }),
  }
}

const verifyServices = (out: string, once = false): Answer => ({ match: /^echo '#vmlab:begin:services'/, stdout: probeOutput({ services: out }), once })
/** docker-http's script: curl where there is one, bash's /dev/tcp where not. */
const GET_UI = /^get\(\) \{.*\necho "192\.168\.56\.10:9000 \$\(get 192\.168\.56\.10 9000\)"$/s
const UI_OK: Answer = { match: GET_UI, stdout: '192.168.56.10:9000 200\n' }

t.test('the stack file: agent global with the socket and volumes, portainer on a manager with the password file, ports from the options', async (t) => {
  const options = optionsOf<Options>(lab('el9', '{ http_port: 9100, https_port: 9444, edge_port: 8001, version: 2.21.5 }'), 'portainer')
  const file = renderStack(options)
  t.match(file, 'image: portainer/agent:2.21.5')
  t.match(file, 'image: portainer/portainer-ce:2.21.5')
  t.match(file, '- /var/run/docker.sock:/var/run/docker.sock')
  t.match(file, '- /var/lib/docker/volumes:/var/lib/docker/volumes')
  t.match(file, /mode: global/)
  t.match(file, /constraints: \[node\.role == manager\]/)
  t.match(file, `command: -H tcp://tasks.agent:9001 --tlsskipverify --admin-password-file /run/secrets/${SECRET}`)
  t.match(file, /- "9444:9443"\n\s+- "9100:9000"\n\s+- "8001:8000"/)
  t.match(file, /driver: overlay\n\s+attachable: true/)
  t.match(file, new RegExp(`secrets:\\n  ${SECRET}:\\n    external: true\\n$`))
})

t.test('first deploy: secret from the lab password on stdin, stack file written, deployed; verify waits for N/N and the UI; then nothing', async (t) => {
  const guest = new FakeGuest([
    probe({ secret: false, services: NOTHING }),
    { match: `docker secret create ${SECRET} -`, stdout: 'k3j2h1g0f9e8d7c6b5a4z3y2x\n' },
    { match: /^(mkdir|restorecon) / },
    { match: `docker stack deploy -c ${STACK_FILE} portainer`, stdout: 'Creating network portainer_agent_network\nCreating service portainer_agent\nCreating service portainer_portainer\n' },
    verifyServices(services('0/3', '0/1'), true),
    verifyServices(services('3/3', '1/1')),
    UI_OK,
  ])
  const ctx = ctxOf('el9', guest)
  const changes = await runModule(portainer, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['secret', `docker secret create ${SECRET} (the lab's portainer password)`],
      ['stack-file', `create ${STACK_FILE}`],
      ['deploy', `docker stack deploy -c ${STACK_FILE} portainer`],
    ],
  )
  t.equal(changes[2]!.why, 'the stack file changed')
  t.match(changes[1]!.diff, /^--- \/dev\/null\n\+\+\+ \/opt\/vmlab\/portainer\/portainer-agent-stack\.yml\n/)
  t.same(actions(guest).slice(0, -1), [
    `sudo docker secret create ${SECRET} -`,
    'sudo mkdir -p -- /opt/vmlab/portainer',
    `sudo restorecon -- ${STACK_FILE}`,
    `sudo docker stack deploy -c ${STACK_FILE} portainer`,
  ])
  t.match(guest.commands.at(-1), GET_UI, 'then the UI answered')
  const create = guest.commands.findIndex((c) => c.includes('secret create'))
  t.same(guest.execOptions[create], { input: 'the-lab-password-12345', secrets: ['the-lab-password-12345'] }, 'the password goes on stdin and is redacted')
  t.notOk(
    guest.commands.some((c) => c.includes('the-lab-password-12345')),
    'never on a command line',
  )
  t.same(
    guest.uploads.map((u) => [u.path, u.mode]),
    [[STACK_FILE, 0o644]],
  )
  t.notMatch(guest.uploads[0]!.data, 'the-lab-password-12345')
  t.same(ctx.asked, ['portainer'])

  const before = guest.commands.length
  guest.answer(probe({ file: renderStack(ctx.options), same: true, secret: true, services: services() }))
  t.same(portainer.plan(ctx, await portainer.probe(ctx)), [], 'second run plans nothing')
  t.equal(guest.commands.length, before + 1, 'one round trip')
})

t.test('a rotated lab secret is not a change: Portainer keeps the password it started with', async (t) => {
  const guest = new FakeGuest([])
  const ctx = ctxOf('debian', guest, '', 'a-new-password-0000000')
  guest.answer(probe({ file: renderStack(ctx.options), same: true, secret: true, services: services() }))
  t.same(portainer.plan(ctx, await portainer.probe(ctx)), [])
  t.same(ctx.asked, [], 'the secret is not even read')
})

t.test('drift: other ports → the new stack file and a deploy, the secret stays', async (t) => {
  const guest = new FakeGuest([])
  const old = renderStack(optionsOf<Options>(lab('el9'), 'portainer'))
  const ctx = ctxOf('el9', guest, '{ http_port: 9100 }')
  guest.answer(probe({ file: old, secret: true, services: services() }), { match: /^(restorecon|docker) / })
  const probed = await portainer.probe(ctx)
  const changes = portainer.plan(ctx, probed)
  t.same(
    changes.map((c) => c.key),
    ['stack-file', 'deploy'],
  )
  t.match(changes[0]!.diff, /-      - "9000:9000"\n\+      - "9100:9000"/)
  await portainer.apply(ctx, changes, probed)
  t.same(actions(guest), [`sudo restorecon -- ${STACK_FILE}`, `sudo docker stack deploy -c ${STACK_FILE} portainer`])
})

t.test('drift: a removed service is deployed again from the unchanged file', async (t) => {
  const guest = new FakeGuest([])
  const ctx = ctxOf('el9', guest)
  guest.answer(probe({ file: renderStack(ctx.options), same: true, secret: true, services: services('3/3', '1/1', ['portainer']) }))
  t.same(
    portainer.plan(ctx, await portainer.probe(ctx)).map((c) => [c.key, c.why]),
    [['deploy', 'portainer_agent not deployed']],
  )
})

t.test('not a swarm manager: fails and names the swarm module', async (t) => {
  const guest = new FakeGuest([probe({ secret: false, services: NOT_MANAGER, code: 1 })])
  await t.rejects(portainer.probe(ctxOf('el9', guest)), { message: /master: cannot manage swarm stacks: .*This node is not a swarm manager/, hint: /run the swarm module before portainer/ })
})

t.test('verify: a task that never runs fails with the replica counts', async (t) => {
  const guest = new FakeGuest([])
  const ctx = ctxOf('el9', guest)
  guest.answer(probe({ file: renderStack(ctx.options), same: true, secret: true, services: services() }), verifyServices(services('2/3', '1/1')))
  await t.rejects(runModule(portainer, ctx), { message: /master: Portainer is not up within 0 s: portainer_agent runs 2\/3/, hint: /docker service ps portainer_agent portainer_portainer/ })
})

t.test('verify: services up but no HTTP answer on http_port', async (t) => {
  const guest = new FakeGuest([])
  const ctx = ctxOf('el9', guest)
  guest.answer(probe({ file: renderStack(ctx.options), same: true, secret: true, services: services() }), verifyServices(services()), { match: GET_UI, stdout: '192.168.56.10:9000 000\n' })
  await t.rejects(runModule(portainer, ctx), { message: /http:\/\/192\.168\.56\.10:9000\/ gave no answer/ })
})
