/**
 * Commands that find the same stale lock at the same moment: exactly one of them holds the lab afterwards, the
 * others are told it is busy. Each command is a process of its own, as in real use, and all start on the same
 * millisecond. And the takeover's own sentinel: waited for while another takeover runs, removed when left.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { writeFileSync, readFileSync, readdirSync, mkdirSync, statSync, linkSync, unlinkSync, existsSync } from 'node:fs'
import { acquireLock } from '../../src/state/lock.js'
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

/** `n` processes take one stale lock at once, 100 times: exactly one holds it, named in it, the others are told it is busy. */
async function trials(t: Test, n: number): Promise<string[]> {
  const workers = Array.from({ length: n }, () => worker(t))
  // All are up (tsx compiled the lock) before the first trial.
  await Promise.all(workers.map((w) => w.ask('release')))
  const stalePid = await deadPid()
  const root = t.testdir({})
  const failures: string[] = []
  for (let i = 0; i < 100; i++) {
    const path = join(root, String(i), 'lock')
    mkdirSync(dirname(path))
    writeFileSync(path, JSON.stringify({ pid: stalePid, command: 'lab up', host: hostname(), since: `trial ${i}` }) + '\n')
    const at = Date.now() + 30
    const answers = await Promise.all(workers.map((w) => w.ask(`take ${path} ${at}`)))
    const holders = workers.filter((_, k) => answers[k] === 'held')
    const owner = (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid
    const busy = answers.filter((x) => x.startsWith('busy this lab is busy: `lab up`')).length
    if (holders.length !== 1 || holders[0]!.pid !== owner || busy !== n - 1) failures.push(`trial ${i}: ${answers.join(' / ')}; the lock names PID ${owner}`)
    await Promise.all(holders.map((w) => w.ask('release')))
    const left = readdirSync(dirname(path))
    if (left.length) failures.push(`trial ${i}: left behind ${left.join(', ')}`)
  }
  return failures
}

t.test('100 trials of two processes taking over one stale lock at once: one holds it, the other is told the lab is busy', async (t) => {
  t.same(await trials(t, 2), [], 'every trial: one holder, named in the lock, and the other told the lab is busy; nothing left once released')
})

t.test('100 trials of three at once: still one holder (a lock moved aside for a moment was taken by the third)', async (t) => {
  t.same(await trials(t, 3), [], 'every trial: one holder, the two others told the lab is busy; nothing left')
})

t.test('a takeover in progress is waited for; one a killed command left half done is taken over after takeoverMs', async (t) => {
  const stalePid = await deadPid()
  const stale = (dir: string) => {
    const path = join(dir, 'lock')
    writeFileSync(path, JSON.stringify({ pid: stalePid, command: 'lab up', host: hostname(), since: 'then' }) + '\n')
    const sentinel = `${path}.takeover-${statSync(path).ino}`
    linkSync(path, sentinel)
    return { path, sentinel }
  }

  const busy = stale(t.testdir({}))
  const started = Date.now()
  const taking = acquireLock(busy.path, 'lab destroy', { takeoverMs: 30_000 })
  await new Promise((r) => setTimeout(r, 300))
  // The other command's takeover ends without taking the lock (it lost the link to a fresh command, then left).
  unlinkSync(busy.sentinel)
  const lock = await taking
  t.ok(Date.now() - started >= 300, 'not taken while the other takeover was under way')
  t.match(JSON.parse(readFileSync(busy.path, 'utf8')), { pid: process.pid, command: 'lab destroy' })
  await lock.release()

  const left = stale(t.testdir({}))
  await new Promise((r) => setTimeout(r, 250))
  let told: unknown
  const second = await acquireLock(left.path, 'lab up', { takeoverMs: 200, onStale: (held) => (told = held) })
  t.match(told, { pid: stalePid }, 'taken over, with the message')
  t.notOk(existsSync(left.sentinel), 'the abandoned sentinel is gone')
  await second.release()
  t.same(readdirSync(dirname(left.path)), [], 'nothing left')
})
