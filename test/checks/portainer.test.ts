import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { check } from './lab-for-checks.js'
import { apiOut, serviceListJson } from './service-fixtures.js'

/** `docker inspect` of running containers: Portainer as `docker run -d -p 9443:9443 -v /var/run/docker.sock:/var/run/docker.sock …` leaves it. */
function inspect(socket = true, image = 'portainer/portainer-ce:latest'): string {
  return JSON.stringify([
    {
      Id: '9a8b7c6d5e4f',
      Name: '/portainer',
      State: { Status: 'running', Running: true },
      Config: { Image: image },
      Mounts: [
        ...(socket ? [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: '', RW: true, Propagation: 'rprivate' }] : []),
        { Type: 'volume', Name: 'portainer_data', Source: '/var/lib/docker/volumes/portainer_data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true },
      ],
    },
    { Id: '1a2b3c4d5e6f', Name: '/registry', State: { Status: 'running', Running: true }, Config: { Image: 'registry:2' }, Mounts: [] },
  ])
}

const node = (containers: string, http: string, https: string, code = 0) =>
  new FakeGuest([{ match: /#vmlab:begin:containers'/, stdout: sections({ containers: { out: containers, code }, http: { out: http }, https: { out: https } }) }])

const services = (lines: string) =>
  new FakeGuest([{ match: /#vmlab:begin:services'\ncurl .*\/services\?status=true/, stdout: sections({ services: { out: apiOut({ status: 200, body: serviceListJson(lines) }) } }) }])

t.test('portainer: standalone container with docker.sock, UI on either port', async (t) => {
  const [row] = await check('  - portainer: { node: master }', { master: node(inspect(), '000', '200') })
  t.match(row, { check: 'portainer', on: 'master', passed: true, found: 'portainer (portainer/portainer-ce:latest), UI on 9443' })
  t.match((await check('  - portainer: { node: master }', { master: node(inspect(), '307', '000') }))[0], { passed: true, found: /UI on 9000$/ })
  t.match((await check('  - portainer: { node: master }', { master: node(inspect(false), '000', '000') }))[0], {
    passed: false,
    found: 'portainer has no /var/run/docker.sock mounted; its UI answers on neither 9000 nor 9443',
  })
  t.match((await check('  - portainer: { node: master }', { master: node('[]', '000', '000') }))[0], { passed: false, found: 'no Portainer container running' })
  t.match((await check('  - portainer: { node: master }', { master: node('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', '000', '000', 1) }))[0], {
    passed: false,
    found: /Cannot connect/,
  })
})

t.test('portainer: the agent global with a task on every node', async (t) => {
  const ok = services('portainer_agent global 3/3 portainer/agent:2.19.4\nportainer_portainer replicated 1/1 portainer/portainer-ce:2.19.4\n')
  t.match((await check('  - portainer: { agent: true }', { master: ok }))[0], {
    passed: true,
    expected: 'the Portainer agent as a global service, running on all 3 nodes',
    found: 'portainer_agent: global, 3/3 running',
  })
  t.match((await check('  - portainer: { agent: true }', { master: services('agent global 2/2 portainer/agent:latest\n') }))[0], { passed: false, found: 'agent: global, 2/2 running' })
  t.match((await check('  - portainer: { agent: true }', { master: services('agent replicated 3/3 portainer/agent:latest\n') }))[0], { passed: false })
  t.match((await check('  - portainer: { agent: true }', { master: services('web replicated 3/3 nginx:latest\n') }))[0], { passed: false, found: 'no Portainer agent service' })
})
