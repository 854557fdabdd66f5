/**
 * What a script gets from `lab`: one exit-code table for the same kind of problem whatever the command,
 * `--json` errors as `{error, hint, exitCode}` on stdout, `--json` on the commands, `lab labs`, `lab -v`.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab, ROOT } from '../helpers/cli.js'
import { EXIT, EXIT_TABLE } from '../../src/util/exit-codes.js'
import { readFileSync } from 'node:fs'

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

t.test('lab -v alone is the version; with a command it is --verbose', async (t) => {
  const r = await lab(['-v'])
  t.same([r.code, r.stdout], [0, `${version}\n`])
  const verbose = await lab(['-v', 'validate', 'swarm'])
  t.equal(verbose.code, 0)
  t.match(verbose.stdout, /^OK: /)
})

t.test('errors with --json: {error, hint, exitCode} on stdout, the exit code of the table', async (t) => {
  const dir = t.testdir({})
  const missing = await lab(['status', 'no-such-lab', '--json'], { cwd: dir })
  t.equal(missing.code, EXIT.badInput)
  t.same(JSON.parse(missing.stdout), {
    error: 'lab file not found: no-such-lab',
    hint: 'give the path of a lab file, or one of the shipped labs by name (lab labs lists them)',
    exitCode: 2,
  })
  const flag = await lab(['up', '--no-such-flag', '--json'], { cwd: dir })
  t.equal(flag.code, 2)
  t.match(JSON.parse(flag.stdout), { error: /unknown option '--no-such-flag'/, exitCode: 2 })
  // `--json` after `--` belongs to the node's command: the error is told in words.
  const after = await lab(['exec', 'all', '--', 'echo', '--json'], { cwd: dir })
  t.equal(after.code, 2)
  t.equal(after.stdout, '')
  t.match(after.stderr, /^error: no lab file/)
})

t.test('this machine cannot run a lab: exit 3 whether no hypervisor is found or the one asked for is missing', async (t) => {
  const dir = t.testdir({})
  const env = { PATH: '/nonexistent', VMLAB_CACHE_DIR: join(dir, 'cache'), VMLAB_VMWARE_VMS_DIR: join(dir, 'vms') }
  const none = await lab(['up', 'swarm', '--json'], { cwd: dir, env })
  t.equal(none.code, EXIT.host, none.stdout)
  t.match(JSON.parse(none.stdout.trim().split('\n').at(-1)!), { error: /no hypervisor found/, exitCode: 3 })
  for (const provider of ['virtualbox', 'vmware', 'qemu']) {
    const r = await lab(['up', 'swarm', '--provider', provider], { cwd: dir, env })
    t.equal(r.code, EXIT.host, `${provider} not installed: ${r.stderr}`)
  }
})

t.test('lab --help shows the exit-code table', async (t) => {
  const r = await lab(['--help'])
  for (const [code, what] of EXIT_TABLE) t.match(r.stdout, `${String(code).padStart(3)}  ${what}`)
})

t.test('lab labs: the shipped labs and the labs with state here', async (t) => {
  const dir = t.testdir({})
  mkdirSync(join(dir, '.lab', 'mine'), { recursive: true })
  writeFileSync(
    join(dir, '.lab', 'mine', 'state.json'),
    JSON.stringify({ version: 1, lab: 'mine', provider: 'qemu', nodes: {}, snapshots: [], stages: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' }),
  )
  const r = await lab(['labs', '--json'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { shipped: Array<{ name: string; nodes: number }>; here: Array<{ lab: string; provider: string }> }
  t.match(j.shipped, [{ name: 'compose' }])
  t.ok(
    j.shipped.some((l) => l.name === 'swarm' && l.nodes === 3),
    'swarm, three nodes',
  )
  t.ok(
    j.shipped.some((l) => l.name === 'course/debian-orchestration'),
    'the courses, by the name lab up takes',
  )
  t.match(j.here, [{ lab: 'mine', provider: 'qemu' }])
  const text = await lab(['labs'], { cwd: dir })
  t.match(text.stdout, /debian-swarm\s+debian12\s+3/)
  // Every name it lists is one a command takes (the Debian labs still want images built before they validate).
  for (const l of j.shipped) t.notMatch((await lab(['validate', l.name], { cwd: dir })).stderr, /lab file not found/, `lab validate ${l.name} finds it`)
})

t.test('--json on every command', async (t) => {
  const pages = await new Promise<Array<{ words: string[]; out: string }>>((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, 'test', 'helpers', 'every-help.mjs'), join(ROOT, 'dist')], { maxBuffer: 1 << 24 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
  )
  const leaves = pages.filter((p) => p.words.length && !/\nCommands:\n/.test(p.out))
  t.ok(leaves.length > 25)
  for (const p of leaves) {
    const name = p.words.join(' ')
    t.match(p.out, /--json/, `lab ${name} takes --json`)
  }
})
