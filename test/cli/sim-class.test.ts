/**
 * `lab class` over the VirtualBox simulator, three students on one host, one at a time
 * (several `lab up` processes on one simulated VirtualBox race on its media registry; placement over several
 * hosts is tested in test/class/): class up
 * gives each student their own VMs and network, up to the SSH stage where the simulator stops; status
 * counts their running nodes; a student's access sheet holds their key and passwords and nothing of the
 * others' or of the teacher's host logins; class destroy leaves the simulated hypervisor empty.
 */
import t from 'tap'
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { simLab } from '../helpers/sim-lab.js'

t.setTimeout(900_000)

const CLASS = `lab: lab.yaml
pool: 127.80.0.0/16
concurrency: 1
jump: teacher@gateway.school.example
hosts:
  - { name: room1, provider: virtualbox, memory: 16384, cpus: 8 }
`
const ROSTER = 'id,name,email\nalice,Alice Martin,alice@school.example\nbob,Bob Li,bob@school.example\ncarol,Carol Diaz,carol@school.example\n'

t.test('class up, status, access, destroy over the VirtualBox simulator', async (t) => {
  const sim = simLab(t, 'virtualbox', { name: 'cls', cidr: '127.79.0.0/24', nodes: ['master', 'node1'], installSeconds: 1 })
  writeFileSync(join(sim.dir, 'class.yaml'), CLASS)
  writeFileSync(join(sim.dir, 'roster.csv'), ROSTER)
  const run = (args: string[]) => sim.run(['class', ...args], 600_000)

  const bad = await run(['plan', 'roster.csv'].map((a) => (a === 'roster.csv' ? 'bad.csv' : a)))
  t.equal(bad.code, 2, 'a missing roster is bad input')
  writeFileSync(join(sim.dir, 'bad.csv'), 'alice,Alice,alice@x.example\nBob,Bob,bob@x.example\n')
  const badRoster = await run(['plan', 'bad.csv'])
  t.match(badRoster.stderr, /bad\.csv:2: 'Bob' is not a valid instance id/)

  const plan = await run(['plan', 'roster.csv', '--json'])
  t.equal(plan.code, 0, plan.stderr)
  const p = JSON.parse(plan.stdout) as { members: Array<{ id: string; host: string; cidr: string }> }
  t.same(
    p.members.map((m) => [m.id, m.host, m.cidr]),
    [
      ['alice', 'room1', '127.80.0.0/24'],
      ['bob', 'room1', '127.80.1.0/24'],
      ['carol', 'room1', '127.80.2.0/24'],
    ],
  )
  t.same(sim.vms(), [], 'plan changes nothing')

  const up = await run(['up', 'roster.csv', '--iso', sim.iso])
  t.equal(up.code, 1, 'every lab up stops where SSH is tried (no guest answers in the simulator)')
  t.match(up.stdout, /alice\s+room1\s+failed/)
  const vms = sim.vms().filter((v) => !v.includes('-base-'))
  t.same(vms.sort(), ['vmlab-cls.alice-master', 'vmlab-cls.alice-node1', 'vmlab-cls.bob-master', 'vmlab-cls.bob-node1', 'vmlab-cls.carol-master', 'vmlab-cls.carol-node1'])
  t.equal(sim.networks().length, 3, 'one lab network per student')

  const status = await run(['status', '--json'])
  t.equal(status.code, 0, status.stderr)
  const s = JSON.parse(status.stdout) as { students: Array<{ id: string; host: string; running: number; nodes: number }> }
  t.same(
    s.students.map((x) => [x.id, x.host, x.running, x.nodes]),
    [
      ['alice', 'room1', 2, 2],
      ['bob', 'room1', 2, 2],
      ['carol', 'room1', 2, 2],
    ],
  )

  const state = join(sim.dir, '.lab', 'cls', 'instances')
  const secrets = (id: string) => JSON.parse(readFileSync(join(state, id, 'secrets.json'), 'utf8')) as { userPassword: string; rootPassword: string }
  const key = (id: string) => readFileSync(join(state, id, 'keys', 'id_ed25519'), 'utf8')
  const pub = (id: string) => readFileSync(join(state, id, 'keys', 'id_ed25519.pub'), 'utf8').split(' ')[1]!
  t.equal(statSync(join(state, 'alice', 'keys', 'id_ed25519')).mode & 0o777, 0o600)
  t.not(secrets('alice').userPassword, secrets('bob').userPassword, 'no password shared')
  t.not(key('alice'), key('bob'), 'no key shared')

  const access = await run(['access', 'alice'])
  t.equal(access.code, 0, access.stderr)
  const sheet = access.stdout
  t.match(sheet, /Host master\n\s+HostName 127\.80\.0\.10/)
  t.match(sheet, /ProxyJump teacher@gateway\.school\.example/)
  t.ok(sheet.includes(secrets('alice').userPassword) && sheet.includes(key('alice').trim()), "the sheet holds alice's own password and key")
  for (const other of ['bob', 'carol']) {
    t.notOk(sheet.includes(secrets(other).userPassword) || sheet.includes(secrets(other).rootPassword), `no password of ${other}`)
    // The first base64 line of every ed25519 key is the same header: the lines after it are the key's own.
    t.notOk(sheet.includes(key(other).split('\n')[2]!) || sheet.includes(pub(other)), `no key of ${other}`)
    t.notOk(sheet.includes(other), `no name, address or VM of ${other}`)
  }
  t.notOk(/127\.80\.[12]\./.test(sheet), "no address of another student's network")
  const asJson = await run(['access', 'alice', '--json'])
  t.equal(asJson.code, 0, asJson.stderr)
  t.match(JSON.parse(asJson.stdout), { student: 'alice', text: sheet })
  const written = await run(['access', 'bob', '--out', 'sheets'])
  t.equal(written.code, 0, written.stderr)
  t.equal(statSync(join(sim.dir, 'sheets', 'bob', 'id_ed25519-bob')).mode & 0o777, 0o600)

  // --json: a line per student as their lab destroy ends, then the result.
  const destroy = await run(['destroy', '--json'])
  t.equal(destroy.code, 0, destroy.stderr + destroy.stdout)
  const lines = destroy.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id?: string; ok: boolean; students?: Array<{ id: string; ok: boolean }> })
  t.same(
    lines
      .filter((l) => l.type === 'student')
      .map((l) => [l.id, l.ok])
      .sort(),
    [
      ['alice', true],
      ['bob', true],
      ['carol', true],
    ],
  )
  t.match(lines.at(-1), {
    type: 'result',
    ok: true,
    students: [
      { id: 'alice', ok: true },
      { id: 'bob', ok: true },
      { id: 'carol', ok: true },
    ],
  })
  t.same(sim.vms(), [], 'no VM left')
  t.same(sim.networks(), [], 'no network left')
  t.notOk(existsSync(join(state, 'alice')), "the students' state is gone")
})
