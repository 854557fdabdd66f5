/**
 * A three-node Debian lab whose `checks:` are the test's, node access from FakeGuests, and the probe answer
 * a node gives: its sections framed as the probe script frames them.
 */
import { labWith } from './lab-for-checks.js'
import { runChecks } from '../../src/checks/run-checks.js'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import type { Facts } from '../../src/modules/module.js'
import { sections } from '../modules/docker-fixtures.js'

/** Runs the checks; a node without a guest is unreachable (its access throws, as a refused SSH connection does). */
export function check(checks: string, guests: Record<string, FakeGuest>) {
  const facts = { family: 'debian' } as Facts
  return runChecks(labWith(checks, ''), async (node) => {
    const g = guests[node]
    if (!g) throw new Error(`${node}: SSH to 127.0.0.1:2223 failed: connect ECONNREFUSED`)
    return { guest: g, facts }
  })
}

/** The answer to a probe script holding `parts` (matched by its first section's name). */
export function probe(parts: Record<string, { out?: string; code?: number }>): Answer {
  return { match: new RegExp(`#vmlab:begin:${Object.keys(parts)[0]}'`), stdout: sections(parts) }
}

export const node = (parts: Record<string, { out?: string; code?: number }>) => new FakeGuest([probe(parts)])

/** /etc/hostname as fileSection reports it (stat, then the content in base64). */
export function fileOut(content: string | undefined): string {
  return content === undefined ? 'absent' : `stat 644 root root\ncontent\n${Buffer.from(content).toString('base64')}`
}
