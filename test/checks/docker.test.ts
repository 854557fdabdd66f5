import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { check } from './lab-for-checks.js'

// `docker info --format '{{json .RegistryConfig}}'` of docker.io 20.10 on Debian 12, with one insecure registry set.
const registry = (insecure: string[], mirrors: string[] = []) =>
  JSON.stringify({
    AllowNondistributableArtifactsCIDRs: [],
    InsecureRegistryCIDRs: ['127.0.0.0/8'],
    IndexConfigs: {
      'docker.io': { Name: 'docker.io', Mirrors: mirrors, Secure: true, Official: true },
      ...Object.fromEntries(insecure.map((r) => [r, { Name: r, Mirrors: [], Secure: false, Official: false }])),
    },
    Mirrors: mirrors,
  })

const node = (p: { enabled?: string; registry?: string; registryCode?: number; daemonJson?: string }) =>
  new FakeGuest([
    {
      match: /#vmlab:begin:enabled'\nsystemctl is-enabled docker/,
      stdout: sections({ enabled: { out: p.enabled ?? 'enabled' }, registry: { out: p.registry ?? registry([]), code: p.registryCode ?? 0 }, daemon_json: { out: p.daemonJson ?? '' } }),
    },
  ])

const LINE = '  - docker: { insecure_registries: ["master.localdomain:5001"], registry_mirrors: ["https://mirror.gcr.io"], nodes: [master] }'

t.test('docker: the settings the daemon uses pass', async (t) => {
  const g = node({ registry: registry(['master.localdomain:5001'], ['https://mirror.gcr.io/']) })
  const [row] = await check(LINE, { master: g })
  t.match(row, { check: 'docker', on: 'master', passed: true, expected: 'docker running and enabled, using insecure registry master.localdomain:5001, registry mirror https://mirror.gcr.io' })
  t.equal(g.commands.length, 1, 'one round trip')
})

t.test('docker: what is missing is said, the pitfalls named, never the fix', async (t) => {
  const [none] = await check(LINE, { master: node({}) })
  t.match(none, { passed: false, found: 'master.localdomain:5001 is not an insecure registry of the daemon; https://mirror.gcr.io is not a registry mirror of the daemon' })
  const [singular] = await check(LINE, { master: node({ daemonJson: '{ "registry-mirror": ["https://mirror.gcr.io"], "insecure-registries": ["master.localdomain:5001"] }' }) })
  t.match(singular, { passed: false, found: /"registry-mirror" \(singular\), which dockerd ignores/ })
  t.match(singular, { found: /daemon\.json names it, but the daemon was not restarted since/ })
  const [off] = await check(LINE, { master: node({ enabled: 'disabled', registry: registry(['master.localdomain:5001'], ['https://mirror.gcr.io']) }) })
  t.match(off, { passed: false, found: 'docker runs but does not start at boot (systemctl says disabled)' })
  const [missing] = await check(LINE, {
    master: node({ registry: 'sh: 1: docker: not found', registryCode: 127, enabled: 'Failed to get unit file state for docker.service: No such file or directory' }),
  })
  t.match(missing, { passed: false, found: 'docker is not installed' })
  const [down] = await check(LINE, { master: node({ registry: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', registryCode: 1 }) })
  t.match(down, { passed: false, found: /^the docker daemon does not answer \(Cannot connect/ })
})
