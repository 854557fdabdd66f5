/**
 * `lab completion SHELL` and the hidden `lab __complete` it calls: commands, options, node, snapshot and
 * exercise names from the lab file and its state; the bash script run by a real bash as completion runs it.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab, LAB_BIN, ROOT } from '../helpers/cli.js'

const course = readFileSync(join(ROOT, 'labs', 'course', 'debian-orchestration.yaml'), 'utf8')

async function complete(cwd: string, ...words: string[]): Promise<string[]> {
  const r = await lab(['__complete', '--', ...words], { cwd })
  t.equal(r.code, 0, r.stderr)
  return r.stdout.split('\n').filter(Boolean)
}

t.test('names from the lab file and its state', async (t) => {
  const dir = t.testdir({ 'lab.yaml': course })
  const name = /^name: (\S+)/m.exec(course)![1]!
  mkdirSync(join(dir, '.lab', name), { recursive: true })
  writeFileSync(join(dir, '.lab', name, 'state.json'), JSON.stringify({ lab: name, snapshots: ['before-exam'] }))
  t.same(await complete(dir, 'ha'), ['halt'], 'commands by prefix')
  t.same(await complete(dir, 'exec', ''), ['all', 'master', 'node1', 'node2'], 'exec: all and the nodes')
  t.same(await complete(dir, 'reset', '--only', 'master', 'no'), ['node1', 'node2'], '--only takes several nodes')
  t.same(await complete(dir, 'reset', ''), ['ready', 'before-exam'], 'reset: the snapshots')
  t.ok((await complete(dir, 'start', '')).includes('swarm-init'), 'start: the exercises')
  t.same(await complete(dir, 'snapshot', 'd'), ['delete'])
  t.ok((await complete(dir, 'halt', '--')).includes('--suspend'), 'options of the command')
  t.same(await complete(dir, 'up', '--provider', 'v'), ['virtualbox', 'vmware'])
  t.same(await complete(dir, 'exec', 'all', '--', ''), [], "nothing after -- (the node command is the shell's)")
  const other = join(dir, 'elsewhere')
  mkdirSync(other)
  t.same(await complete(other, 'ssh', '-f', join(dir, 'lab.yaml'), 'n'), ['node1', 'node2'], '-f FILE names the lab')
  t.same(await complete(other, 'ssh', ''), [], 'no lab here: no names, and no error')
})

t.test('scripts for the four shells; bash completes with it', async (t) => {
  for (const shell of ['bash', 'zsh', 'fish', 'powershell']) {
    const r = await lab(['completion', shell])
    t.equal(r.code, 0)
    t.match(r.stdout, /__complete --/, `${shell} asks lab __complete`)
  }
  const bad = await lab(['completion', 'tcsh'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /use one of: bash, zsh, fish, powershell/)

  const dir = t.testdir({ 'lab.yaml': course, bin: {} })
  writeFileSync(join(dir, 'bin', 'lab'), `#!/bin/sh\nexec "${process.execPath}" "${LAB_BIN}" "$@"\n`, { mode: 0o755 })
  const script = (await lab(['completion', 'bash'])).stdout
  const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(lab exec no); COMP_CWORD=2; _lab_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    cwd: dir,
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
    encoding: 'utf8',
  })
  t.same(out.split('\n').filter(Boolean), ['node1', 'node2'])
})

t.test('lab __complete is hidden from lab --help', async (t) => {
  const r = await lab(['--help'])
  t.notMatch(r.stdout, /__complete/)
  t.match(r.stdout, /completion/)
})
