import t from 'tap'
import { check, labWith } from './lab-for-checks.js'
import { runChecks } from '../../src/checks/run-checks.js'
import type { Facts } from '../../src/modules/module.js'
import { FakeGuest, sectioned, sectionCommands } from '../helpers/fake-guest.js'

t.test('exec: as root by default, the command as written', async (t) => {
  const g = new FakeGuest([sectioned([{ match: "sh -c 'docker node ls' 2>&1", code: 0, stdout: 'ID HOSTNAME\n' }])])
  const rows = await check('  - exec: { command: "docker node ls", nodes: [master], contains: HOSTNAME }', { master: g })
  t.same(sectionCommands(g), ["sh -c 'docker node ls' 2>&1"], 'as written, in an sh of its own (the session is root), stderr with stdout')
  t.match(rows[0], { on: 'master', passed: true, expected: 'exit 0 and "HOSTNAME"', found: 'exit 0' })
})

t.test("exec with sudo: false: the lab user's login shell runs it, and the row says as whom", async (t) => {
  const g = new FakeGuest([
    sectioned([
      { match: "runuser -l lab -c 'docker node ls' 2>&1", code: 1, stderr: 'permission denied while trying to connect to the Docker daemon socket\n' },
      { match: "runuser -l lab -c 'test -d /home/lab' 2>&1", code: 0 },
    ]),
  ])
  const rows = await check('  - exec: { command: "docker node ls", nodes: [master], sudo: false }\n  - exec: { command: [test, -d, /home/lab], nodes: [master], sudo: false }', { master: g })
  t.same(sectionCommands(g).sort(), ["runuser -l lab -c 'docker node ls' 2>&1", "runuser -l lab -c 'test -d /home/lab' 2>&1"], 'shell text as written, argv quoted word by word')
  t.match(rows[0], { passed: false, expected: 'exit 0, as lab', found: 'exit 1' })
  t.match(rows[1], { passed: true, expected: 'exit 0, as lab' })
})

t.test('exec with sudo: false runs as the user the lab file names', async (t) => {
  const lab = labWith('  - exec: { command: "id -un", nodes: [node1, node2], contains: alice, sudo: false }')
  const named = { ...lab, install: { ...lab.install, user: { ...lab.install.user, name: 'alice' } } }
  const node1 = new FakeGuest([sectioned([{ match: "runuser -l alice -c 'id -un' 2>&1", stdout: 'alice\n' }])])
  const node2 = new FakeGuest([sectioned([{ match: "runuser -l alice -c 'id -un' 2>&1", stdout: 'root\n' }])])
  const rows = await runChecks(named, async (node) => ({ guest: node === 'node1' ? node1 : node2, facts: { family: 'debian' } as Facts }))
  t.same(
    rows.map((r) => [r.on, r.passed, r.expected, r.found]),
    [
      ['node1', true, 'exit 0 and "alice", as alice', 'exit 0'],
      ['node2', false, 'exit 0 and "alice", as alice', 'exit 0, output without "alice"'],
    ],
  )
})
