import t from 'tap'
import { check, node, fileOut } from './node-lab.js'
import { engineInfo, engineState, SWARM_INACTIVE } from '../modules/docker-fixtures.js'

/** RegistryConfig as dockerd 26.1.4 reports a mirror and an insecure registry from daemon.json. */
const WITH_REGISTRIES =
  '{"AllowNondistributableArtifactsCIDRs":null,"AllowNondistributableArtifactsHostnames":null,"InsecureRegistryCIDRs":["::1/128","127.0.0.0/8"],"IndexConfigs":{"192.168.56.10:5000":{"Name":"192.168.56.10:5000","Mirrors":[],"Secure":false,"Official":false},"docker.io":{"Name":"docker.io","Mirrors":["https://mirror.gcr.io/"],"Secure":true,"Official":true}},"Mirrors":["https://mirror.gcr.io/"]}'

const SERVICE = (active: string, enabled: string) => ({ out: `ActiveState=${active}\nUnitFileState=${enabled}\n` })

function dockerNode(o: { service?: { out: string }; cli?: number; registries?: string; down?: boolean; daemonJson?: string }) {
  return node({
    service: o.service ?? SERVICE('active', 'enabled'),
    cli: o.cli === 127 ? { out: '', code: 127 } : { out: '/usr/bin/docker\n' },
    engine: o.down ? { out: engineState(undefined), code: 7 } : { out: engineState({ info: engineInfo(SWARM_INACTIVE, o.registries) }) },
    daemon: { out: fileOut(o.daemonJson) },
  })
}

const GOOD_JSON = '{\n  "registry-mirrors": ["https://mirror.gcr.io"],\n  "insecure-registries": ["192.168.56.10:5000"]\n}\n'
const OPTS = '  - docker: { nodes: [master], registry_mirrors: ["https://mirror.gcr.io"], insecure_registries: ["192.168.56.10:5000"] }'

t.test('docker: installed, running, enabled, with the registry settings in effect', async (t) => {
  const rows = await check(OPTS, { master: dockerNode({ registries: WITH_REGISTRIES, daemonJson: GOOD_JSON }) })
  t.same(
    rows.map((r) => [r.passed, r.found]),
    [[true, 'Docker 26.1.4 running and enabled, registry settings in effect']],
  )
  t.equal(rows[0]!.expected, 'Docker installed, running and enabled at boot; the running daemon uses the registry mirror https://mirror.gcr.io; it trusts 192.168.56.10:5000 as insecure registry')
  const plain = await check('  - docker: {}', { master: dockerNode({}), node1: dockerNode({}), node2: dockerNode({}) })
  t.ok(plain.every((r) => r.passed && r.found === 'Docker 26.1.4 running and enabled'))
})

t.test('docker: the singular key is named; a daemon.json the daemon has not re-read says so', async (t) => {
  const singular = '{\n  "registry-mirror": [\n    "https://mirror.gcr.io"\n  ],\n  "insecure-registries": [\n    "192.168.56.10:5000"\n  ]\n}\n'
  const [row] = await check(OPTS, { master: dockerNode({ daemonJson: singular }) })
  t.equal(row!.passed, false)
  t.equal(
    row!.found,
    'the running daemon does not use the registry mirror https://mirror.gcr.io; 192.168.56.10:5000 is in /etc/docker/daemon.json, but the running daemon does not use it: it has not re-read the file since; /etc/docker/daemon.json has "registry-mirror" (singular): dockerd ignores that key, it reads only "registry-mirrors"',
  )
  const [stale] = await check(OPTS, { master: dockerNode({ daemonJson: GOOD_JSON }) })
  t.match(stale!.found, /^https:\/\/mirror\.gcr\.io is in \/etc\/docker\/daemon\.json, but the running daemon does not use it/)
})

t.test('docker: not installed, stopped, disabled, not answering, a broken daemon.json', async (t) => {
  const [none] = await check('  - docker: { nodes: [master] }', { master: dockerNode({ service: SERVICE('inactive', ''), cli: 127, down: true }) })
  t.same([none!.passed, none!.found], [false, 'Docker is not installed'])
  const [off] = await check('  - docker: { nodes: [master] }', { master: dockerNode({ service: SERVICE('inactive', 'disabled'), down: true }) })
  t.equal(off!.found, 'the docker service is inactive; docker does not start at boot (it is disabled)')
  const [hung] = await check('  - docker: { nodes: [master] }', { master: dockerNode({ down: true }) })
  t.equal(hung!.found, 'docker does not answer (reading its info exited with 7)')
  const [broken] = await check('  - docker: { nodes: [master] }', {
    master: dockerNode({ service: SERVICE('failed', 'enabled'), down: true, daemonJson: '{ "registry-mirrors": [ "https://mirror.gcr.io", ] }\n' }),
  })
  t.equal(broken!.found, 'the docker service is failed; /etc/docker/daemon.json is not valid JSON, so dockerd does not start with it')
})
