/**
 * `lab … | head`: output cut short by the reader ends `lab` quietly, as it does any Unix tool; a closed
 * stderr hides progress and errors but not how the command ended.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LAB_BIN } from '../helpers/cli.js'
import { simLab } from '../helpers/sim-lab.js'
import { startNodeSshds } from '../helpers/node-sshd.js'

function withClosed(which: 'stdout' | 'stderr', args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [LAB_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } })
  // The reader is gone before lab writes a byte: its first write meets EPIPE.
  child[which].destroy()
  let out = ''
  child[which === 'stdout' ? 'stderr' : 'stdout'].on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })))
}

for (const args of [['--help'], ['plan'], ['kickstart']]) {
  t.test(`lab ${args.join(' ')} into a closed pipe`, async (t) => {
    const r = await withClosed('stdout', args, t.testdir({}))
    t.equal(r.code, 0, r.out)
    t.notMatch(r.out, /EPIPE|Error|at /, 'no stack trace')
  })
}

t.test('an error told to a closed stderr still ends lab with its code', async (t) => {
  const r = await withClosed('stderr', ['validate', 'missing.yaml'], t.testdir({}))
  t.equal(r.code, 2, 'the code of a bad input')
})

t.test('a closed stderr does not stop the work: kickstart still writes every file', async (t) => {
  const dir = t.testdir({})
  const r = await withClosed('stderr', ['kickstart'], dir)
  t.equal(r.code, 0)
  const files = r.out.trim().split('\n')
  t.same(files, ['kickstart-swarm/base.cfg', 'kickstart-swarm/master.cfg', 'kickstart-swarm/node1.cfg', 'kickstart-swarm/node2.cfg'])
  for (const f of files) t.ok(existsSync(join(dir, f)), `${f} written`)
})

t.test('lab exec into a closed pipe frees the lab: the next command takes the lock without a word', async (t) => {
  const lab = simLab(t, 'vmware', { name: 'pipe', cidr: '127.77.9.0/24', nodes: ['master'] })
  await startNodeSshds(t, lab.dir)
  t.equal((await lab.run(['up'])).code, 0)
  const r = await withClosed('stdout', ['exec', 'master', '--', 'seq', '1', '200000'], lab.dir, lab.env)
  t.equal(r.code, 0, r.out)
  t.notOk(existsSync(join(lab.dir, '.lab', 'pipe', 'lock')), 'no lock left behind')
  const next = await lab.run(['snapshot', 'list'])
  t.equal(next.code, 0)
  t.notMatch(next.stderr, /taking over the lock/)
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
})
