/**
 * Two commands that find the same stale lock at the same moment: exactly one of them holds the lab afterwards,
 * the other is told it is busy. Each command is a process of its own, as in real use, and both start on the
 * same millisecond.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { writeFileSync, readFileSync, readdirSync, mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'lock-worker.ts')

function worker(t: Test) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
  t.teardown(() => child.kill())
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return {
    pid: child.pid!,
    async ask(line: string): Promise<string> {
      child.stdin!.write(line + '\n')
      const next = await lines.next()
      if (next.done) throw new Error('the lock worker ended')
      return next.value
    },
  }
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

t.test('100 trials of two processes taking over one stale lock at once: one holds it, the other is told the lab is busy', async (t) => {
  const [a, b] = [worker(t), worker(t)]
  // Both are up (tsx compiled the lock) before the first trial.
  await Promise.all([a.ask('release'), b.ask('release')])
  const stalePid = await deadPid()
  const root = t.testdir({})
  const failures: string[] = []
  for (let i = 0; i < 100; i++) {
    const path = join(root, String(i), 'lock')
    mkdirSync(dirname(path))
    writeFileSync(path, JSON.stringify({ pid: stalePid, command: 'lab up', host: hostname(), since: `trial ${i}` }) + '\n')
    const at = Date.now() + 30
    const answers = await Promise.all([a.ask(`take ${path} ${at}`), b.ask(`take ${path} ${at}`)])
    const holders = [a, b].filter((_, k) => answers[k] === 'held')
    const owner = (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid
    if (holders.length !== 1 || holders[0]!.pid !== owner || !answers.some((x) => x.startsWith('busy this lab is busy: `lab up`'))) {
      failures.push(`trial ${i}: ${answers.join(' / ')}; the lock names PID ${owner}`)
    }
    await Promise.all(holders.map((w) => w.ask('release')))
    const left = readdirSync(dirname(path))
    if (left.length) failures.push(`trial ${i}: left behind ${left.join(', ')}`)
  }
  t.same(failures, [], 'every trial: one holder, named in the lock, and the other told the lab is busy; nothing left once released')
})
