import t from 'tap'
import { check, node } from './node-lab.js'

/** resolveSection's lines as dash prints them: `NAME STATUS FIRST-IPV4` (getent exits 2 for an unknown name). */
const resolved = (lines: string[]) => node({ resolve: { out: `${lines.join('\n')}\n` } })
const ALL = ['master.localdomain 0 192.168.56.10', 'master 0 192.168.56.10', 'node1.localdomain 0 192.168.56.11', 'node1 0 192.168.56.11', 'node2.localdomain 0 192.168.56.12', 'node2 0 192.168.56.12']

t.test('hosts: every name resolves to its lab address on every node', async (t) => {
  const rows = await check('  - hosts: {}', { master: resolved(ALL), node1: resolved(ALL), node2: resolved(ALL) })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    ['master', 'node1', 'node2'].map((n) => [n, true, 'all 6 names resolve to their lab addresses']),
  )
  t.match(rows[0]!.expected, /^these names resolve to: master\.localdomain and master → 192\.168\.56\.10, node1\.localdomain and node1 → 192\.168\.56\.11/)
})

t.test("hosts: a missing name, Debian's 127.0.1.1 line, the NAT address, the extra names", async (t) => {
  const master = resolved(['master.localdomain 0 127.0.1.1', 'master 0 127.0.1.1', ...ALL.slice(2), 'harbor.gs.cn 2 '])
  const node1 = resolved([...ALL.slice(0, 3), 'node1 0 10.0.2.15', 'node2.localdomain 2 ', 'node2 2 ', 'harbor.gs.cn 0 192.168.56.10'])
  const rows = await check('  - hosts: { nodes: [master, node1], extra: [{ ip: 192.168.56.10, names: [harbor.gs.cn] }] }', { master, node1 })
  t.equal(rows.length, 2)
  t.equal(rows[0]!.found, 'master.localdomain → 127.0.1.1 (a loopback address); master → 127.0.1.1 (a loopback address); harbor.gs.cn does not resolve')
  t.equal(rows[1]!.found, 'node1 → 10.0.2.15; node2.localdomain does not resolve; node2 does not resolve')
  t.ok(rows.every((r) => !r.passed))
  t.match(rows[0]!.expected, /harbor\.gs\.cn → 192\.168\.56\.10$/)
  t.match(master.commands[0], /for n in master\.localdomain master node1\.localdomain node1 node2\.localdomain node2 harbor\.gs\.cn; do a=\$\(getent ahostsv4 "\$n"\)/)
})

t.test('hosts: getent missing, an unreachable node', async (t) => {
  const rows = await check('  - hosts: {}', { master: resolved(ALL.map((l) => `${l.split(' ')[0]} 127 `)) })
  t.match(rows[0]!.found, /^master\.localdomain cannot be looked up: getent is missing; /)
  t.match(rows[1], { on: 'node1', passed: false, found: /^not checked: node1: SSH/ })
})
