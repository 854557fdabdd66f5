import t from 'tap'
import { parseClassFile } from '../../src/class/class-file.js'
import { planClass } from '../../src/class/class-plan.js'
import { parseLab } from '../../src/lab/load.js'

const LAB = `name: swarm
os: rocky9
network: { cidr: 192.168.56.0/24 }
defaults: { cpus: 1, memory: 2048, disk: 10 }
nodes: [{ name: master }, { name: node1 }, { name: node2 }]
`
const CLASS = `lab: lab.yaml
pool: 10.60.0.0/16
concurrency: 4
hosts:
  - { name: srv1, provider: libvirt, connection: qemu+ssh://lab@srv1/system, memory: 65536, cpus: 32 }
  - { name: srv2, provider: libvirt, connection: qemu+ssh://lab@srv2/system, memory: 65536, cpus: 32 }
  - { name: srv3, provider: libvirt, connection: qemu+ssh://lab@srv3/system, memory: 65536, cpus: 32 }
`

t.test('30 students × 3 nodes over 3 hosts: within capacity, unique networks, stable on a re-plan', async (t) => {
  const cls = parseClassFile(CLASS, '/class/class.yaml')
  t.equal(cls.lab, '/class/lab.yaml', 'the lab is found beside the class file')
  const lab = parseLab(LAB, 'lab.yaml')
  const students = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, name: `S ${i}`, email: `s${i}@x.example` }))
  const plan = planClass(cls, lab, students)
  t.same(plan.unplaced, [])
  for (const h of cls.hosts) {
    t.equal(plan.used[h.name]!.instances, 10)
    t.ok(plan.used[h.name]!.memory <= h.memory && plan.used[h.name]!.cpus <= h.cpus)
  }
  t.equal(new Set(plan.members.map((m) => m.cidr)).size, 30)
  const record = { version: 1 as const, classFile: cls.path, students: plan.members }
  // One student leaves, a new one joins: nobody else moves, the newcomer takes the free network.
  const again = planClass(cls, lab, [...students.filter((s) => s.id !== 's4'), { id: 'new', name: 'N', email: 'n@x.example' }], record)
  for (const m of again.members.filter((m) => m.id !== 'new')) {
    const before = plan.members.find((b) => b.id === m.id)!
    t.same([m.host, m.cidr], [before.host, before.cidr])
  }
  t.equal(again.members.find((m) => m.id === 'new')!.cidr, plan.members.find((m) => m.id === 's4')!.cidr)
})

t.test('too small: told per student, with why', async (t) => {
  const cls = parseClassFile(CLASS.replace('10.60.0.0/16', '10.60.0.0/23'), 'class.yaml')
  const plan = planClass(
    cls,
    parseLab(LAB, 'lab.yaml'),
    [1, 2, 3].map((i) => ({ id: `s${i}`, name: 'x', email: 'x@y.z' })),
  )
  t.same(
    plan.unplaced.map((u) => u.id),
    ['s3'],
  )
  t.match(plan.unplaced[0]!.reason, /holds 2 networks/)
})

t.test('class file errors are located', async (t) => {
  t.throws(
    () =>
      parseClassFile(
        'lab: lab.yaml\npool: 10.60.0.1/16\nhosts:\n  - { name: srv1, provider: hyperv, memory: 10, cpus: 2 }\n  - { name: srv1, provider: qemu, memory: 4096, cpus: 2, user: x }\n',
        'class.yaml',
      ),
    {
      message:
        /class\.yaml:2:7: pool: '10\.60\.0\.1\/16' has host bits set[\s\S]*class\.yaml:4:\d+: hosts\[0\]\.provider[\s\S]*hosts\[0\]\.memory[\s\S]*class\.yaml:5:58: hosts\[1\]\.user: unknown key user[\s\S]*hosts\[1\]\.name: host srv1 is listed twice/,
    },
  )
})
