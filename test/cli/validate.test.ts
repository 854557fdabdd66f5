import t from 'tap'
import { copyFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { lab, ROOT } from '../helpers/cli.js'
import { snapshotTree } from '../helpers/tree.js'

t.test('every shipped lab is valid', async (t) => {
  for (const name of ['swarm', 'registry', 'harbor', 'compose']) {
    const r = await lab(['validate', join(ROOT, 'labs', `${name}.yaml`)])
    t.equal(r.code, 0, `${name}: ${r.stderr}`)
    t.match(r.stdout, new RegExp(`^OK: .*lab "${name}"`))
    t.equal(r.stdout.trim().split('\n').length, 1, 'one line')
    t.equal(r.stderr, '')
  }
})

t.test('the test bed lab is valid once its image tarball is made, and says which file is missing before', async (t) => {
  const dir = t.testdir({})
  copyFileSync(join(ROOT, 'labs', 'debian-swarm.yaml'), join(dir, 'debian-swarm.yaml'))
  const before = await lab(['validate', 'debian-swarm.yaml'], { cwd: dir })
  t.equal(before.code, 2)
  t.match(before.stderr, /debian-swarm\.yaml:25:49: modules\[2\]\.docker\.images\[0\]\.file: no file images\/busybox-rootfs\.tar next to the lab file/)
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'busybox-image.mjs'), join(dir, 'images', 'busybox-rootfs.tar')])
  const after = await lab(['validate', 'debian-swarm.yaml'], { cwd: dir })
  t.equal(after.code, 0, after.stderr)
  t.match(after.stdout, /^OK: debian-swarm\.yaml: lab "debian-swarm"/)
})

t.test('a file outside the lab folder is refused at its position, before anything is written', async (t) => {
  const dir = t.testdir({
    'lab.yaml': 'name: esc\nos: rocky9\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: [{ name: one }]\nmodules:\n  - compose: { node: one, project: p, file: ../../etc/shadow }\n',
  })
  const before = snapshotTree(dir)
  const r = await lab(['validate'], { cwd: dir })
  t.equal(r.code, 2)
  t.match(r.stderr, /lab\.yaml:6:45: modules\[0\]\.compose\.file: \.\.\/\.\.\/etc\/shadow is outside the lab's folder .*\n\s+fix: put the file in the lab file's folder/)
  t.notMatch(r.stderr, /bug/)
  t.same(snapshotTree(dir), before, 'nothing was written')
})

t.test('without a file, validate checks the built-in default lab', async (t) => {
  const dir = t.testdir({})
  const r = await lab(['validate'], { cwd: dir })
  t.equal(r.code, 0)
  t.match(r.stdout, /OK: swarm \(built-in lab\)/)
})

t.test('./lab.yaml is preferred over the built-in lab; -f beats both', async (t) => {
  const dir = t.testdir({
    'lab.yaml': 'name: mine\nos: alma9\nnetwork: { cidr: 10.9.0.0/24 }\nnodes: [{ name: one }]\n',
    'other.yaml': 'name: other\nos: alma8\nnetwork: { cidr: 10.8.0.0/24 }\nnodes: [{ name: one }]\n',
  })
  t.match((await lab(['validate'], { cwd: dir })).stdout, /lab "mine"/)
  t.match((await lab(['validate', '-f', 'other.yaml'], { cwd: dir })).stdout, /lab "other"/)
  t.match((await lab(['validate', 'other.yaml'], { cwd: dir })).stdout, /lab "other"/)
})

t.test('an invalid lab: exit 2, located messages on stderr, nothing written', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'name: bad\nos: rocky9\nnetwork:\n  cidr: 192.168.56.0/24\nnodes:\n  - name: master\n    ip: 192.168.57.10\nmodules:\n  - chrony: { server: mastr }\n')
  const before = snapshotTree(dir)
  const r = await lab(['validate', 'bad.yaml'], { cwd: dir })
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.match(r.stderr, /bad\.yaml:7:9: nodes\[0\]\.ip: 192\.168\.57\.10 is outside the lab network 192\.168\.56\.0\/24/)
  t.match(r.stderr, /bad\.yaml:9:23: modules\[0\]\.chrony\.server: no node named 'mastr' in this lab\n\s+fix: did you mean 'master'\?/)
  t.same(snapshotTree(dir), before, 'nothing was written')
})

t.test('--json reports problems as data', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'name: bad\nos: rocky11\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: [{ name: a }]\n' })
  const r = await lab(['validate', 'bad.yaml', '--json'], { cwd: dir })
  t.equal(r.code, 2)
  const out = JSON.parse(r.stdout)
  t.equal(out.valid, false)
  t.match(out.problems[0], { line: 2, column: 5, path: ['os'], message: /rocky11/ })
})

t.test('--json quotes a long key in the path short, as the message does', async (t) => {
  const dir = t.testdir({ 'bad.yaml': `name: bad\nos: rocky9\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: [{ name: a }]\n${'k'.repeat(1000)}: 1\n` })
  const r = await lab(['validate', 'bad.yaml', '--json'], { cwd: dir })
  t.equal(r.code, 2)
  t.ok(r.stdout.length < 1000, `${r.stdout.length} characters`)
  t.match(JSON.parse(r.stdout).problems[0], { line: 5, column: 1, path: [/^k{60}… \(1000 characters\)$/], message: /unknown key/ })
})

t.test('a missing file is bad input with a hint', async (t) => {
  const r = await lab(['validate', 'nope.yaml'], { cwd: t.testdir({}) })
  t.equal(r.code, 2)
  t.match(r.stderr, /error: lab file not found: nope\.yaml\nhint: /)
})

t.test('help, version and usage errors', async (t) => {
  const help = await lab(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: lab/)
  t.match(help.stdout, /Exit codes:\n +0  ok\n +1  a step failed/)
  const version = await lab(['--version'])
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  const unknown = await lab(['frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown command 'frobnicate'/)
  const vhelp = await lab(['validate', '--help'])
  t.match(vhelp.stdout, /Examples:/)
})

t.test('after `lab up` of the built-in lab, commands without a file find it through its state', async (t) => {
  const dir = t.testdir({ '.lab': { swarm: { 'secrets.json': '{}' } } })
  const creds = await lab(['creds', '--json'], { cwd: dir })
  t.equal(creds.code, 1, 'the damaged secrets file of the built-in lab is what is read')
  // With --json the error is JSON on stdout.
  t.match(JSON.parse(creds.stdout), { error: /secrets file .*\.lab\/swarm\/secrets\.json is damaged/, exitCode: 1 })
  const none = await lab(['status'], { cwd: t.testdir({}) })
  t.equal(none.code, 2)
  t.match(none.stderr, /no lab file: there is no \.\/lab\.yaml/)
})
