import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { engineInfo, engineState, sections, swarmManager } from '../modules/docker-fixtures.js'
import { check } from './lab-for-checks.js'

const CATALOG = '{"repositories":["busybox","library/web"]}\n'

/** `docker inspect` of a registry:2 container as `docker run -d -p 5000:5000 --restart=always -v registry-data:/var/lib/registry registry:2` leaves it. */
function registryInspect(restart = 'always', mount = true): string {
  return JSON.stringify([
    {
      Id: '4b1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
      Name: '/myregistry',
      State: { Status: 'running', Running: true, Pid: 2211, ExitCode: 0 },
      HostConfig: { RestartPolicy: { Name: restart, MaximumRetryCount: 0 }, PortBindings: { '5000/tcp': [{ HostIp: '', HostPort: '5000' }] } },
      Mounts: mount ? [{ Type: 'volume', Name: 'registry-data', Source: '/var/lib/docker/volumes/registry-data/_data', Destination: '/var/lib/registry', Driver: 'local', Mode: 'z', RW: true }] : [],
      Config: { Image: 'registry:2' },
    },
  ])
}

const master = (inspect?: string, catalog = CATALOG) => new FakeGuest([{ match: /#vmlab:begin:catalog'/, stdout: sections({ catalog: { out: catalog }, container: { out: inspect ?? '' } }) }])

const images = (list: object[]) =>
  new FakeGuest([{ match: /#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState({ info: engineInfo(swarmManager()), images: JSON.stringify(list) }) } }) }])

t.test('registry: catalog, and with restart/volume the container publishing the port', async (t) => {
  const g = master(registryInspect())
  const rows = await check('  - registry: { node: master, repository: library/web, restart: always, volume: true }', { master: g })
  t.match(rows, [
    { check: 'registry', on: 'master', passed: true, expected: 'http://192.168.56.10:5000/v2/_catalog lists library/web', found: 'repositories: busybox, library/web' },
    { on: 'master', passed: true, expected: 'the container publishing port 5000, restart policy always, /var/lib/registry in a volume or bind mount', found: 'restart always, volume registry-data' },
  ])
  t.equal(g.commands.length, 1, 'catalog and container in one round trip')
  t.match(g.commands[0], encodeURIComponent('{"publish":["5000"]}'))
  const bad = await check('  - registry: { node: master, restart: always, volume: true }', { master: master(registryInspect('no', false)) })
  t.match(bad[1], { passed: false, found: 'restart policy no; nothing mounted at /var/lib/registry' })
  const none = await check('  - registry: { node: master, restart: always }', { master: master('[]') })
  t.match(none[1], { passed: false, found: 'no running container publishes port 5000' })
  const plain = await check('  - registry: { node: master }', { master: master(undefined, '') })
  t.equal(plain.length, 1)
})

t.test('registry: pulled_on finds an image named by the registry host:port', async (t) => {
  const pulled = images([
    { Id: 'sha256:aa', RepoTags: ['192.168.56.10:5000/library/web:latest'], RepoDigests: ['192.168.56.10:5000/library/web@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741'] },
    { Id: 'sha256:bb', RepoTags: ['busybox:latest'], RepoDigests: [] },
  ])
  const rows = await check('  - registry: { node: master, repository: library/web, pulled_on: node1 }', { master: master(), node1: pulled })
  t.match(rows[1], { on: 'node1', passed: true, expected: 'an image from master:5000 (library/web) on node1' })
  const byName = images([{ Id: 'sha256:aa', RepoTags: null, RepoDigests: ['master.localdomain:5000/busybox@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741'] }])
  t.match((await check('  - registry: { node: master, pulled_on: node1 }', { master: master(), node1: byName }))[1], { passed: true })
  t.match((await check('  - registry: { node: master, repository: library/web, pulled_on: node1 }', { master: master(), node1: byName }))[1], {
    passed: false,
    found: /^only master\.localdomain:5000\/busybox@sha256:/,
  })
  const nothing = images([{ Id: 'sha256:bb', RepoTags: ['busybox:latest'], RepoDigests: [] }])
  t.match((await check('  - registry: { node: master, pulled_on: node1 }', { master: master(), node1: nothing }))[1], { passed: false, found: 'no image from master:5000' })
  const down = new FakeGuest([{ match: /#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState(undefined), code: 7 } }) }])
  t.match((await check('  - registry: { node: master, pulled_on: node1 }', { master: master(), node1: down }))[1], { passed: false, found: /^node1: docker does not answer/ })
})
