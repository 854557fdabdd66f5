import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeGuest } from '../helpers/fake-guest.js'
import { FAMILIES, factsFor, lab, labWith, probeMatch, probeOutput, runModule, sent } from '../helpers/module-run.js'
import { ROOT } from '../helpers/cli.js'
import { composePublishedPorts, labOpenings } from '../../src/modules/lib/lab-ports.js'
import { parseListAll } from '../../src/modules/firewall.js'

const swarmLab = lab(readFileSync(join(ROOT, 'labs', 'swarm.yaml'), 'utf8'))

/** `firewall-cmd --list-all` as each release prints it (firewalld 0.6 on EL7, 0.9 on EL8, 1.x with `forward:` on EL9). */
function listAll(family: string, opts: { services?: string; ports?: string; permanent?: boolean } = {}): string {
  const services = opts.services ?? (family === 'el7' ? 'dhcpv6-client ssh' : 'cockpit dhcpv6-client ssh')
  return [
    opts.permanent ? 'public' : 'public (active)',
    '  target: default',
    '  icmp-block-inversion: no',
    `  interfaces: ${opts.permanent ? '' : 'enp0s3 enp0s8'}`,
    '  sources: ',
    `  services: ${services}`,
    `  ports: ${opts.ports ?? ''}`,
    '  protocols: ',
    ...(family === 'el9' ? ['  forward: yes'] : []),
    '  masquerade: no',
    '  forward-ports: ',
    '  source-ports: ',
    '  icmp-blocks: ',
    '  rich rules: ',
    '\t',
    '',
  ].join('\n')
}

function probe(family: string, runtimePorts: string, permanentPorts = runtimePorts, service = 'ActiveState=active\nUnitFileState=enabled\n'): string {
  return probeOutput({
    service,
    runtime: listAll(family, { ports: runtimePorts }),
    permanent: listAll(family, { ports: permanentPorts, permanent: true }),
  })
}

const MASTER_PORTS = ['123/udp', '2377/tcp', '7946/tcp', '7946/udp', '4789/udp', '9000/tcp', '9443/tcp', '8000/tcp', '9001/tcp', '8080/tcp']

t.test('what the swarm lab needs open, node by node', async (t) => {
  const master = labOpenings(swarmLab, 'master', [], new Map())
  t.same(
    master.map((o) => o.name),
    ['ssh', ...MASTER_PORTS],
  )
  t.same(master.find((o) => o.name === '8080/tcp')!.why, ['service web'])
  const node1 = labOpenings(swarmLab, 'node1', [], new Map())
  t.same(
    node1.map((o) => o.name),
    ['ssh', '7946/tcp', '7946/udp', '4789/udp', '9000/tcp', '9443/tcp', '8000/tcp', '9001/tcp', '8080/tcp'],
    'workers: no 2377, no NTP; the routing mesh answers on them too',
  )
})

for (const family of ['el7', 'el8', 'el9'] as const) {
  t.test(`${family}: opens every missing port at runtime and permanently, in one call each`, async (t) => {
    const converged = probe(family, MASTER_PORTS.join(' '))
    const guest = new FakeGuest([
      { match: probeMatch('service'), once: true, stdout: probe(family, '') },
      { match: probeMatch('service'), stdout: converged },
      { match: /^firewall-cmd /, stdout: 'success\n' },
    ])
    const r = await runModule(swarmLab, 'firewall', 'master', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(r.changes[0], { key: 'port:123/udp', what: 'open 123/udp in zone public', why: 'chrony serves the lab time' })
    t.same(
      r.changes.map((c) => c.key),
      MASTER_PORTS.map((p) => `port:${p}`),
      'ssh is already open',
    )
    const add = MASTER_PORTS.map((p) => `'--add-port=${p}'`).join(' ') // shellQuote quotes words with '='
    t.same(sent(guest), ['PROBE', `firewall-cmd ${add}`, `firewall-cmd --permanent ${add}`, 'PROBE'])

    const again = new FakeGuest([{ match: probeMatch('service'), stdout: converged }])
    const second = await runModule(swarmLab, 'firewall', 'master', again, factsFor(family))
    t.equal(second.status, 'ok', 'a second run plans nothing')
    t.same(sent(again), ['PROBE'])
  })
}

t.test('debian without firewalld: nothing to do', async (t) => {
  const guest = new FakeGuest([
    {
      match: probeMatch('service'),
      stdout: probeOutput({ service: 'ActiveState=inactive\nUnitFileState=\n', runtime: { out: '', code: 4 }, permanent: { out: '', code: 4 } }),
    },
  ])
  const r = await runModule(swarmLab, 'firewall', 'node1', guest, factsFor('debian'))
  t.equal(r.status, 'ok', r.reason ?? '')
  t.same(sent(guest), ['PROBE'])
})

t.test('a port open at runtime only (added without --permanent) is made permanent, nothing else', async (t) => {
  const all = MASTER_PORTS.join(' ')
  const guest = new FakeGuest([{ match: probeMatch('service'), stdout: probe('el9', all, all.replace('2377/tcp ', '')) }])
  const r = await runModule(swarmLab, 'firewall', 'master', guest, factsFor('el9'), { check: true })
  t.same(r.changes, [{ key: 'port:2377/tcp', what: 'open 2377/tcp in zone public (permanent only)', why: 'swarm managers' }])
  t.same(sent(guest), ['PROBE'], '--check applies nothing')
})

t.test('a listed port range covers the ports inside it; a removed ssh service is added back', async (t) => {
  const ranges = '123/udp 2000-9999/tcp 4789/udp 7946/udp'
  const out = probeOutput({
    service: 'ActiveState=active\nUnitFileState=enabled\n',
    runtime: listAll('el8', { ports: ranges, services: 'dhcpv6-client' }),
    permanent: listAll('el8', { ports: ranges, services: 'dhcpv6-client', permanent: true }),
  })
  const guest = new FakeGuest([
    { match: probeMatch('service'), stdout: out },
    { match: /^firewall-cmd /, stdout: 'success\n' },
  ])
  const r = await runModule(swarmLab, 'firewall', 'master', guest, factsFor('el8'), { check: true })
  t.same(
    r.changes.map((c) => c.key),
    ['service:ssh'],
  )
})

t.test('enabled: false stops and disables firewalld, and then has nothing to do', async (t) => {
  const l = labWith('  - firewall: { enabled: false }')
  const stopped = probeOutput({ service: 'ActiveState=inactive\nUnitFileState=disabled\n', runtime: { out: '', code: 3 }, permanent: { out: '', code: 3 } })
  const guest = new FakeGuest([
    { match: probeMatch('service'), once: true, stdout: probe('el7', '') },
    { match: probeMatch('service'), stdout: stopped },
    { match: /^systemctl /, stdout: '' },
  ])
  const r = await runModule(l, 'firewall', 'master', guest, factsFor('el7'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['stop firewalld', 'disable firewalld'],
  )
  t.same(sent(guest), ['PROBE', 'systemctl stop firewalld', 'systemctl disable firewalld', 'PROBE'])
  const again = new FakeGuest([{ match: probeMatch('service'), stdout: stopped }])
  t.equal((await runModule(l, 'firewall', 'master', again, factsFor('el7'))).status, 'ok')
})

t.test('the compose lab: ports published by its compose file, and extra ports', async (t) => {
  const composeLab = lab(readFileSync(join(ROOT, 'labs', 'compose.yaml'), 'utf8').replace('  - firewall\n', '  - firewall: { ports: [3000-3005/tcp] }\n'))
  const guest = new FakeGuest([{ match: probeMatch('service'), stdout: probe('el9', '') }])
  const r = await runModule(composeLab, 'firewall', 'docker', guest, factsFor('el9'), { check: true, labDir: join(ROOT, 'labs') })
  t.same(
    r.changes.map((c) => [c.what, c.why]),
    [
      ['open 18848/tcp in zone public', 'compose project web'],
      ['open 3000-3005/tcp in zone public', 'firewall ports'],
    ],
  )
})

t.test('an unreadable compose file is logged and skipped', async (t) => {
  const composeLab = lab(readFileSync(join(ROOT, 'labs', 'compose.yaml'), 'utf8'))
  const log: string[] = []
  const guest = new FakeGuest([{ match: probeMatch('service'), stdout: probe('el9', '') }])
  const r = await runModule(composeLab, 'firewall', 'docker', guest, factsFor('el9'), { check: true, log })
  t.same(r.changes, [])
  t.match(log.join('\n'), /cannot read the ports of compose project web/)
})

t.test('compose ports: short and long syntax; container-only, loopback and variable ports skipped', async (t) => {
  const text = `
services:
  a:
    ports: ["18848:80", "0.0.0.0:8443:443", "127.0.0.1:9999:99", "80", "5353:53/udp", "\${PORT:-81}:80", "[::1]:7777:7", "8000-8002:8000-8002"]
  b:
    ports:
      - target: 80
        published: "8081"
      - target: 53
        published: 1053
        protocol: udp
      - target: 22
  c:
    image: nginx
`
  t.same(composePublishedPorts(text), ['18848/tcp', '8443/tcp', '5353/udp', '8000-8002/tcp', '8081/tcp', '1053/udp'])
})

t.test('firewalld running but firewall-cmd printing nothing fails with the way out', async (t) => {
  const guest = new FakeGuest([
    { match: probeMatch('service'), stdout: probeOutput({ service: 'ActiveState=active\nUnitFileState=enabled\n', runtime: { out: '', code: 127 }, permanent: { out: '', code: 127 } }) },
  ])
  const r = await runModule(swarmLab, 'firewall', 'master', guest, factsFor('el9'))
  t.equal(r.status, 'failed')
  t.match(r.reason, /printed no zone \(exit 127\/127\)/)
})

t.test('parseListAll reads zone, services and ports', async (t) => {
  t.same(parseListAll(listAll('el9', { ports: '80/tcp 4789/udp' })), { zone: 'public', services: ['cockpit', 'dhcpv6-client', 'ssh'], ports: ['80/tcp', '4789/udp'] })
  t.equal(parseListAll(''), undefined)
})

t.test('every family: ssh is kept open when a lab has nothing else', async (t) => {
  for (const family of FAMILIES) {
    t.same(
      labOpenings(labWith('  - firewall'), 'master', [], new Map()).map((o) => o.name),
      ['ssh'],
      family,
    )
  }
})
