import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'
import { lab as runLab } from '../helpers/cli.js'

const LAB = `name: c
os: rocky9
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master }
  - { name: node1 }
checks:
`

function problems(entry: string) {
  try {
    parseLab(`${LAB}${entry}\n`, 'lab.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  return []
}

t.test('the node checks: every option shape parses, with its defaults', async (t) => {
  const good = [
    '  - hostname: {}',
    '  - hostname: { nodes: [master], fqdn: { master: docker01.gs.cn } }',
    '  - hosts: { extra: [{ ip: 192.168.56.10, names: [harbor.gs.cn, harbor] }] }',
    '  - address: { nodes: [node1] }',
    '  - firewall: { ports: [2377/tcp, 30000-30100/udp] }',
    '  - docker: { registry_mirrors: ["https://mirror.gcr.io"], insecure_registries: ["master.localdomain:5000"] }',
    '  - remote_api: { node: master }',
    '  - remote_api: { node: master, via: ssh, from: node1, user: student }',
  ]
  for (const entry of good) t.same(problems(entry), [], entry)
  const lab = parseLab(`${LAB}  - firewall: {}\n  - remote_api: { node: master }\n  - hostname: {}\n`, 'lab.yaml')
  t.same(
    lab.checks.map((c) => c.options),
    [
      { nodes: 'all', ports: ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp'] },
      { node: 'master', via: 'any' },
      { nodes: 'all', fqdn: {} },
    ],
  )
})

t.test('the node checks: bad options are located, node names (also map keys) checked', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['  - hostname: { fqdn: { mastr: master.gs.cn } }', 8, /no node named 'mastr' in this lab/],
    ['  - hostname: { fqdn: { master: "not a name" } }', 8, /a host name is dot-separated labels/],
    ['  - hosts: { extra: [{ ip: 192.168.56.300, names: [harbor.gs.cn] }] }', 8, /is not valid/],
    ['  - address: { nodes: [node3] }', 8, /no node named 'node3'/],
    ['  - firewall: { ports: ["2377"] }', 8, /write ports as 8080\/tcp or 4789\/udp/],
    ['  - firewall: { ports: [] }', 8, /./],
    ['  - docker: { registry_mirrors: [mirror.gcr.io] }', 8, /a registry mirror is a URL with its scheme/],
    ['  - remote_api: { node: master, via: http }', 8, /unknown value "http"/],
    ['  - remote_api: { via: tls }', 8, /./],
    ['  - remote_api: { node: master, from: nod1 }', 8, /no node named 'nod1'/],
  ]
  for (const [entry, line, message] of cases) {
    const found = problems(entry)
    t.equal(found.length, 1, entry)
    t.equal(found[0]!.line, line, entry)
    t.match(`${found[0]!.message} (fix: ${found[0]!.hint})`, message, entry)
  }
})

t.test('lab validate accepts a lab with the node checks and locates a bad option', async (t) => {
  const dir = t.testdir({
    'good.yaml': `${LAB}  - hostname: {}\n  - hosts: {}\n  - address: {}\n  - firewall: {}\n  - docker: {}\n  - remote_api: { node: master, via: tls }\n`,
    'bad.yaml': `${LAB}  - hostname: { fqdn: { mastr: master.gs.cn } }\n`,
  })
  const good = await runLab(['validate', 'good.yaml'], { cwd: dir })
  t.equal(good.code, 0, good.stderr)
  t.match(good.stdout, /6 checks/)
  const bad = await runLab(['validate', 'bad.yaml'], { cwd: dir })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /bad\.yaml:8:\d+: checks\[0\]\.hostname\.fqdn\.mastr: no node named 'mastr' in this lab\n\s+fix: did you mean 'master'\?/)
})
