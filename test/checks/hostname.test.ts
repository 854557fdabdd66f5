import t from 'tap'
import { check, node, fileOut } from './node-lab.js'
import { FakeGuest } from '../helpers/fake-guest.js'

const host = (kernel: string, full: { out: string; code?: number }, etc: string | undefined) => node({ kernel: { out: `${kernel}\n` }, full, etc: { out: fileOut(etc) } })

t.test('hostname: the full name, the short name and /etc/hostname; every failing reason said', async (t) => {
  const rows = await check('  - hostname: {}', {
    // Debian's way: the short name in the kernel and /etc/hostname, the full one from /etc/hosts.
    master: host('master', { out: 'master.localdomain\n' }, 'master\n'),
    // The notes' way: the full name everywhere, set for now only.
    node1: host('node1.localdomain', { out: 'node1.localdomain\n' }, 'localhost.localdomain\n'),
    // hostname -f as it fails when the name is in no /etc/hosts line and no DNS (real output of hostname 3.23).
    node2: host('node2', { out: 'hostname: Name or service not known\n', code: 1 }, 'node2\n'),
  })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [
      ['master', true, 'master.localdomain (short master)'],
      ['node1', false, '/etc/hostname says localhost.localdomain: the name changes at the next boot'],
      ['node2', false, 'node2 has no full name (hostname: Name or service not known)'],
    ],
  )
  t.equal(rows[0]!.expected, 'host name master.localdomain (short master), kept across reboots')
})

t.test('hostname: a wrong name, a name the task asks, a missing hostname command, an unreachable node', async (t) => {
  const rows = await check('  - hostname: { nodes: [master, node1, node2], fqdn: { master: docker01.gs.cn } }', {
    master: host('docker01', { out: 'docker01.gs.cn\n' }, 'docker01.gs.cn\n'),
    node1: host('localhost', { out: 'localhost\n' }, undefined),
  })
  t.match(rows[0], { on: 'master', passed: true, expected: /^host name docker01\.gs\.cn \(short docker01\)/ })
  t.match(rows[1], { on: 'node1', passed: false })
  t.equal(rows[1]!.found, 'the name is localhost; no name in /etc/hostname: the name is lost at the next boot')
  t.match(rows[2], { on: 'node2', passed: false, found: /^not checked: node2: SSH .* ECONNREFUSED/ })
  const missing = await check('  - hostname: { nodes: [master] }', { master: host('master', { out: 'sh: 1: hostname: not found\n', code: 127 }, 'master\n') })
  t.match(missing[0], { passed: false })
  t.equal(missing[0]!.found, 'the hostname command is missing, so the full name cannot be read')
  const wrong = await check('  - hostname: { nodes: [master] }', { master: host('master', { out: 'master.lab.example\n' }, 'master\n') })
  t.equal(wrong[0]!.found, 'the full name is master.lab.example')
})

t.test('hostname: one round trip per node, as root', async (t) => {
  const g = host('master', { out: 'master.localdomain\n' }, 'master\n')
  await check('  - hostname: { nodes: [master] }', { master: g })
  t.equal(g.commands.length, 1)
  t.match(g.commands[0], /^sudo /)
  t.match(g.commands[0], /hostname -f 2>&1/)
})

t.test('hostname: a node whose probe is garbled fails with the reason', async (t) => {
  const rows = await check('  - hostname: { nodes: [master] }', { master: new FakeGuest([{ match: /#vmlab:begin:kernel'/, stdout: 'Welcome!\n', code: 0 }]) })
  t.match(rows[0], { passed: false, found: /^not checked: master: the probe did not report kernel, full, etc/ })
})
