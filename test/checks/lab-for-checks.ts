/** A three-node lab whose `checks:` are the test's, and node access from FakeGuests. */
import { parseLab } from '../../src/lab/load.js'
import { runChecks } from '../../src/checks/run-checks.js'
import { FakeGuest } from '../helpers/fake-guest.js'
import type { Facts } from '../../src/modules/module.js'

const LAB = `name: c
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master, ip: 192.168.56.10 }
  - { name: node1, ip: 192.168.56.11 }
  - { name: node2, ip: 192.168.56.12 }
MODULES
checks:
CHECKS
`

/** The lab with these checks; the modules default to a swarm managed by master (what the swarm checks read). */
export function labWith(checks: string, modules = '  - swarm: { managers: [master] }') {
  return parseLab(LAB.replace('MODULES', modules ? `modules:\n${modules}` : '').replace('CHECKS', checks), 'c.yaml')
}

export async function check(checks: string, guests: Record<string, FakeGuest>) {
  const facts = { family: 'debian' } as Facts
  return runChecks(labWith(checks), async (node) => ({ guest: guests[node] ?? new FakeGuest(), facts }))
}
