/**
 * The lab's state folder failing for real, through the CLI (as root, as CI runs: a full tmpfs, a read-only
 * one, a command run as nobody): exit code 1, the path, the cause in words and the fix; never "a bug".
 */
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { chmodSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { lab, LAB_BIN, type CliResult } from '../helpers/cli.js'
import { simLab, filesUnder } from '../helpers/sim-lab.js'
import { scratch, fill, remountReadOnly, asNobody } from '../helpers/mounts.js'

const LAB = ['name: fs', 'os: rocky9', 'network: { cidr: 10.61.0.0/24 }', 'nodes: [{ name: master }]', ''].join('\n')

const mode = (path: string) => statSync(path).mode & 0o777

function notABug(t: Test, r: CliResult) {
  t.equal(r.code, 1, `exit code 1: ${r.stderr}`)
  t.notMatch(r.stderr, /a bug/, 'not reported as a bug')
  t.notMatch(r.stderr, /\bE[A-Z]{3,}\b/, `no raw errno: ${r.stderr}`)
}

t.test('`lab kickstart` with .lab on a full disk: no space left, where, how to fix; nothing half-written left', async (t) => {
  const s = scratch(t)
  const dir = s.testdir({ 'lab.yaml': LAB })
  const state = s.tmpfs(join(dir, '.lab'), '64k')
  fill(state)
  const r = await lab(['kickstart', '--out', join(dir, 'ks')], { cwd: dir })
  notABug(t, r)
  t.match(r.stderr, new RegExp(`error: cannot write ${join(state, 'fs')}/\\S+: no space left on device`))
  t.match(r.stderr, `hint: free space on the disk that holds ${join(state, 'fs')} (\`df -h`)
  t.same(
    filesUnder(state).filter((f) => /\.tmp$/.test(f)),
    [],
    'no temporary file left',
  )
})

t.test('`lab status` with .lab read-only: says so and how to get out of it', async (t) => {
  const sc = scratch(t)
  // The lab in a folder of scratch's: the mount inside it is undone before the folder is removed.
  const s = simLab({ testdir: (f) => sc.testdir(f as Parameters<typeof sc.testdir>[0]) }, 'virtualbox', { name: 'ro', cidr: '127.31.8.0/24', nodes: ['master'] })
  const state = sc.tmpfs(join(s.dir, '.lab'), '64k')
  // Already private: what fails is the first folder the command makes.
  chmodSync(state, 0o700)
  remountReadOnly(state)
  const r = await s.run(['status'])
  notABug(t, r)
  t.match(r.stderr, `error: cannot create the folder ${join(state, 'ro')}: the file system is read-only`)
  t.match(r.stderr, `hint: remount the disk that holds ${state} read-write`)
})

t.test('`lab kickstart` run by a user who may not write the lab folder: permission denied, whose it is, what to do', async (t) => {
  const s = scratch(t)
  chmodSync(s.dir, 0o755)
  const dir = s.testdir({ 'lab.yaml': LAB })
  const r = await new Promise<CliResult>((resolve) => {
    const [cmd, ...args] = asNobody([process.execPath, LAB_BIN, 'kickstart', '--out', '/tmp'])
    execFile(cmd!, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent', NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
  notABug(t, r)
  t.match(r.stderr, `error: cannot create the folder ${join(dir, '.lab')}`)
  t.match(r.stderr, /: permission denied\n/)
  t.match(r.stderr, `hint: ${dir} belongs to another user (uid 0): run lab as that user, or take it over with \`sudo chown -R nobody ${dir}\``)
})

t.test('a truncated secrets.json: what it means for the lab and what to do', async (t) => {
  const dir = t.testdir({ 'lab.yaml': LAB, '.lab': { fs: { 'secrets.json': '{\n  "rootPasswordHash": "$6$abc' } } })
  const r = await lab(['kickstart', '--out', join(dir, 'ks')], { cwd: dir })
  notABug(t, r)
  t.match(r.stderr, `error: the lab's secrets file ${join(dir, '.lab', 'fs', 'secrets.json')} is damaged: it ends early, at byte 31: it was cut off`)
  t.match(r.stderr, /hint: it holds the passwords the lab's VMs were installed with \(they are in its base image\): restore .* from a backup .* `lab destroy --force`, then `lab up`/)
})

t.test('state folders are 0700 from every command, files of secrets and state 0600; a wider one is narrowed, with a word', async (t) => {
  const ks = t.testdir({ 'lab.yaml': LAB })
  t.equal((await lab(['kickstart', '--out', join(ks, 'ks')], { cwd: ks })).code, 0)
  t.equal(mode(join(ks, '.lab')), 0o700, 'kickstart: .lab/')
  t.equal(mode(join(ks, '.lab', 'fs')), 0o700, 'kickstart: .lab/<lab>/')
  t.equal(mode(join(ks, '.lab', 'fs', 'secrets.json')), 0o600)

  const s = simLab(t, 'virtualbox', { name: 'modes', cidr: '127.31.9.0/24', nodes: ['master'] })
  const r = await s.run(['status'])
  t.equal(r.code, 0, r.stderr)
  const state = join(s.dir, '.lab', 'modes')
  for (const d of [join(s.dir, '.lab'), state, join(state, 'logs')]) t.equal(mode(d), 0o700, `a lab command: ${d}`)
  t.equal(mode(join(state, 'logs', 'commands.log')), 0o600, 'the command log')
  t.notMatch(r.stderr, /0700/, 'nothing to narrow in folders it made itself')

  chmodSync(state, 0o755)
  chmodSync(join(s.dir, '.lab'), 0o755)
  const again = await s.run(['status'])
  t.equal(again.code, 0, again.stderr)
  t.equal(mode(state), 0o700, 'an older 0755 folder is narrowed')
  t.equal(mode(join(s.dir, '.lab')), 0o700)
  t.match(again.stderr, `${state} could be read by other users; it holds the lab's passwords and keys, so it is now 0700`)
})

t.test('`lab up` on a simulator lab whose .lab fills up: stops in words, frees its lock, leaves no temporary file', async (t) => {
  const sc = scratch(t)
  const s = simLab({ testdir: (f) => sc.testdir(f as Parameters<typeof sc.testdir>[0]) }, 'virtualbox', { name: 'full', cidr: '127.31.10.0/24', nodes: ['master'] })
  const state = sc.tmpfs(join(s.dir, '.lab'), '96k')
  const r = await s.run(['up'])
  notABug(t, r)
  t.match(r.stderr, new RegExp(`error: cannot \\S+( \\S+)*? ${join(state, 'full')}\\S*: no space left on device`))
  t.match(r.stderr, `hint: free space on the disk that holds ${join(state, 'full')}`)
  t.same(
    filesUnder(state).filter((f) => /\.tmp$|\/lock$|\.takeover-/.test(f)),
    [],
    'no temporary file, and the lock freed',
  )
})
