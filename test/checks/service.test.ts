import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { NOT_MANAGER_API, apiOut, serviceAnswer } from './service-fixtures.js'
import { check } from './lab-for-checks.js'

const M = 'master.localdomain'
const N1 = 'node1.localdomain'
const N2 = 'node2.localdomain'

t.test('service: image in any spelling, publish in ingress mode, spread, env and mounts', async (t) => {
  const entry = `  - service: { name: web, replicas: 3, image: docker.io/library/nginx:latest, publish: "8080:80", spread: 3, mode: replicated, env: { A: "1" }, mounts: [{ target: /data, source: web-data }] }`
  const good = new FakeGuest([
    serviceAnswer(
      {
        replicas: 3,
        image: 'nginx:latest@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
        ports: [{ published: 8080, target: 80 }],
        env: ['A=1'],
        mounts: [{ Type: 'volume', Source: 'web-data', Target: '/data' }],
      },
      [M, N1, N2],
    ),
  ])
  const [row] = await check(entry, { master: good })
  t.match(row, { check: 'service', on: 'master', passed: true, found: 'web 3/3' })
  t.match(
    row!.expected,
    /^service web 3\/3, mode replicated, image docker\.io\/library\/nginx:latest, port 8080:80 published \(ingress\), running on 3 nodes or more, env A=1, mount at \/data from web-data$/,
  )
  t.equal(good.commands.length, 1, 'one round trip')
  t.match(good.commands[0], /^sudo /, 'read as root like every probe')

  const bad = new FakeGuest([serviceAnswer({ replicas: 3, image: 'httpd:2.4', ports: [{ published: 8080, target: 80, mode: 'host' }], env: ['A=2'] }, [M, M, M])])
  const [row2] = await check(entry, { master: bad })
  t.equal(row2!.passed, false)
  t.equal(row2!.found, 'image httpd:2.4; port 8080:80 (host mode); running on 1 node (master.localdomain); env A=2; nothing mounted at /data')
  t.notMatch(row2!.found, /docker /, 'says what is wrong, not the command that fixes it')
})

t.test('service: create + scale + update and one create give the same inspect; plain nginx is nginx:latest', async (t) => {
  for (const image of ['nginx', 'nginx:latest', 'docker.io/library/nginx:latest@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31']) {
    const g = new FakeGuest([serviceAnswer({ replicas: 5, image: 'nginx:latest@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31' }, [M, N1, N1, N2, N2])])
    const [row] = await check(`  - service: { name: web, replicas: 5, image: "${image}" }`, { master: g })
    t.equal(row!.passed, true, image)
  }
  const pinned = new FakeGuest([serviceAnswer({ replicas: 1, image: 'nginx:latest@sha256:1111111111111111111111111111111111111111111111111111111111111111' }, [M])])
  const [row] = await check(`  - service: { name: web, image: "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31" }`, { master: pinned })
  t.equal(row!.passed, false, 'another digest than the one asked for')
})

t.test('service: replicas still starting, global mode', async (t) => {
  const starting = new FakeGuest([serviceAnswer({ replicas: 3 }, [M, N1])])
  t.match((await check('  - service: { name: web, replicas: 3 }', { master: starting }))[0], { passed: false, found: 'web 2/3' })
  const global = new FakeGuest([serviceAnswer({ global: true, name: 'agent' }, [M, N1, N2])])
  t.match((await check('  - service: { name: agent, mode: global, spread: 3 }', { master: global }))[0], { passed: true, found: 'agent 3/3' })
  const replicated = new FakeGuest([serviceAnswer({ replicas: 3, name: 'agent' }, [M, N1, N2])])
  t.match((await check('  - service: { name: agent, mode: global }', { master: replicated }))[0], { passed: false, found: 'mode replicated' })
})

t.test('service: absent passes once the service is gone', async (t) => {
  const gone = new FakeGuest([serviceAnswer(undefined, [], 'web')])
  t.match((await check('  - service: { name: web, absent: true }', { master: gone }))[0], { passed: true, expected: 'no service web', found: 'no service web' })
  const still = new FakeGuest([serviceAnswer({ replicas: 1 }, [M])])
  t.match((await check('  - service: { name: web, absent: true }', { master: still }))[0], { passed: false, found: 'service web still exists' })
  t.match((await check('  - service: { name: web, replicas: 1 }', { master: gone }))[0], { passed: false, found: 'no service web' })
})

t.test('service: rolled back means the last update is a completed rollback', async (t) => {
  const back = new FakeGuest([serviceAnswer({ replicas: 2, updateState: 'rollback_completed' }, [M, N1])])
  t.match((await check('  - service: { name: web, rolled_back: true }', { master: back }))[0], { passed: true })
  const updated = new FakeGuest([serviceAnswer({ replicas: 2, updateState: 'completed' }, [M, N1])])
  t.match((await check('  - service: { name: web, rolled_back: true }', { master: updated }))[0], { passed: false, found: 'its last update is completed, not a completed rollback' })
  const never = new FakeGuest([serviceAnswer({ replicas: 2 }, [M, N1])])
  t.match((await check('  - service: { name: web, rolled_back: true }', { master: never }))[0], { passed: false, found: 'never rolled back' })
})

t.test('service: not a manager, docker down', async (t) => {
  const worker = new FakeGuest([{ match: /#vmlab:begin:service'/, stdout: sections({ service: { out: apiOut(NOT_MANAGER_API, NOT_MANAGER_API, NOT_MANAGER_API) } }) }])
  t.match((await check('  - service: { name: web, replicas: 1 }', { master: worker }))[0], { passed: false, found: /^This node is not a swarm manager/ })
  const down = new FakeGuest([
    {
      match: /#vmlab:begin:service'/,
      stdout: sections({
        service: { out: `curl: (7) Couldn't connect to server\n${apiOut({ status: 0, body: '' }, { status: 0, body: '' }, { status: 0, body: '' }).replace(/http:0\b/g, 'http:000')}`, code: 7 },
      }),
    },
  ])
  t.match((await check('  - service: { name: web, replicas: 1 }', { master: down }))[0], { passed: false, found: /Couldn't connect to server/ })
})
