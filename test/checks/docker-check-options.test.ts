import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'

const LAB = `name: c
os: debian12
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master }
  - { name: node1 }
modules:
  - swarm: { managers: [master] }
checks:
`

function problems(entry: string) {
  try {
    parseLab(LAB + entry + '\n', 'lab.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  return []
}

t.test('every new option shape parses', async (t) => {
  const good = [
    '  - service: { name: web, replicas: 5 }',
    '  - service: { name: web, image: nginx, publish: "8080:80", spread: 2, mode: replicated, env: { A: "1" }, mounts: [{ target: /data, source: v }], rolled_back: true }',
    '  - service: { name: web, absent: true }',
    '  - swarm_node: { node: node1, role: manager, availability: drain, labels: { zone: east } }',
    '  - stack: { name: shop, services: [web] }',
    '  - portainer: { node: master, agent: true }',
    '  - registry: { node: master, restart: always, volume: true, pulled_on: node1, repository: busybox }',
    '  - harbor: { node: master, project: library, repository: team/web, tag: v1 }',
    '  - compose: { node: node1, project: shop, port: 8000, services: [web] }',
    '  - compose: { node: node1, dir: /home/lab/shop, down: true }',
  ]
  for (const entry of good) t.same(problems(entry), [], entry)
})

const BAD: Array<{ entry: string; col: number; message: RegExp; hint?: RegExp }> = [
  { entry: '  - service: { name: web, publish: "8080" }', col: 36, message: /not valid/, hint: /PUBLISHED:TARGET/ },
  { entry: '  - service: { name: web, mode: both }', col: 33, message: /replicated|global/ },
  { entry: '  - service: { name: web, absent: true, replicas: 2 }', col: 14, message: /./, hint: /absent: true says the service is gone/ },
  { entry: '  - swarm_node: { node: node9 }', col: 25, message: /node9/ },
  { entry: '  - swarm_node: { node: node1, availability: drained }', col: 46, message: /active|drain|pause/ },
  { entry: '  - registry: { node: master, pulled_on: nodeX }', col: 42, message: /nodeX/ },
  { entry: '  - registry: { node: master, restart: sometimes }', col: 40, message: /always/ },
  { entry: '  - harbor: { node: master, repository: web }', col: 13, message: /./, hint: /name the project too/ },
  { entry: '  - compose: { node: node1 }', col: 14, message: /./, hint: /by project or by dir/ },
  { entry: '  - compose: { node: node1, project: Shop }', col: 38, message: /not valid/, hint: /lower-case/ },
  { entry: '  - portainer: {}', col: 16, message: /./, hint: /node .*and\/or agent: true/ },
  { entry: '  - stack: { name: shop, services: [] }', col: 36, message: /./ },
]

for (const c of BAD) {
  t.test(`refused at its position: ${c.entry.trim()}`, async (t) => {
    const ps = problems(c.entry)
    t.ok(ps.length > 0, 'refused')
    const p = ps.find((p) => c.message.test(p.message)) ?? ps[0]!
    t.equal(p.line, 10, `line (${p.message})`)
    t.equal(p.col, c.col, `column (${p.message})`)
    if (c.hint) t.match(`${p.message} ${p.hint ?? ''}`, c.hint)
    t.ok(p.hint && p.hint.length > 0, 'says how to fix it')
  })
}
