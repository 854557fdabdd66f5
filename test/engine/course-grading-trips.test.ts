/**
 * Grading the whole Debian course twin costs one exec per node: every check's reads of a node start
 * together and go out as one side-by-side script. The nodes here answer every question with a failure, so
 * no check but the firewall's passes, and none goes on to a second read (the overlay's ping needs replicas; a real run adds that one).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseLab } from '../../src/lab/load.js'
import { forStudent } from '../../src/lab/exercises.js'
import { gradeExercises } from '../../src/engine/course/grade-exercises.js'
import { FakeGuest, sectioned, scriptSections } from '../helpers/fake-guest.js'
import type { Facts } from '../../src/modules/module.js'

const FILE = new URL('../../labs/course/debian-orchestration.yaml', import.meta.url)

t.test('lab check of the whole course: one exec per node, every section in it', async (t) => {
  const lab = forStudent(parseLab(readFileSync(FILE, 'utf8'), FILE.pathname), 'alice@school.example')
  const guests = new Map<string, FakeGuest>()
  const guestOf = (node: string) => {
    let g = guests.get(node)
    if (!g) {
      g = new FakeGuest([sectioned([{ match: /[\s\S]*/, code: 1, stdout: '' }])])
      guests.set(node, g)
    }
    return g
  }
  const results = await gradeExercises(lab, lab.exercises, async (node) => ({ guest: guestOf(node), facts: { family: 'debian' } as Facts }))
  t.equal(results.length, lab.exercises.length, 'every exercise graded')
  // A node with no firewall at all lets the swarm's ports in: the course accepts "firewall off".
  t.same(
    results.filter((r) => r.passed).map((r) => r.id),
    results.filter((r) => r.checks.every((c) => c.check === 'firewall')).map((r) => r.id),
    'nodes that answer nothing pass nothing but the firewall exercise',
  )
  t.same([...guests.keys()].sort(), lab.nodes.map((n) => n.name).sort(), 'every node is asked')
  for (const [node, g] of guests) {
    t.equal(g.commands.length, 1, `${node}: one exec`)
    const sections = scriptSections(g.commands[0]!.replace(/^sudo /, ''))
    t.ok(sections.length > 1, `${node}: ${sections.length} sections side by side`)
    t.match(g.commands[0], /vmlab_d=\$\(mktemp -d\)/, `${node}: the side-by-side form`)
  }
})
