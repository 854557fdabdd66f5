import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { run, setRunTracker } from '../../src/util/run.js'
import { CommandTimeoutError } from '../../src/util/errors.js'
import { ROOT } from '../helpers/cli.js'

/** The built run(): a parent process that imports it runs without tap's loader. */
const RUN_JS = join(ROOT, 'dist', 'util', 'run.js')

t.test('run() tells the tracker each process it starts, with its PID and redacted command line, and when it has ended', async (t) => {
  const seen: string[] = []
  setRunTracker(({ pid, command }) => {
    // The process exists while it is tracked: its command line is readable now.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    seen.push(`start [${command}] ${cmdline.join(' ')}`)
    return () => seen.push(`end ${pid}`)
  })
  t.teardown(() => setRunTracker(undefined))
  const r = await run('sh', ['-c', 'sleep 0.2; echo $0', 'hunter2'], { secrets: ['hunter2'] })
  t.equal(r.stdout, 'hunter2\n')
  t.equal(seen.length, 2)
  t.match(seen[0], /^start \[sh -c 'sleep 0\.2; echo \$0' \*\*\*\] sh -c sleep 0\.2; echo \$0 hunter2$/, 'the secret is not in the recorded command')
  t.match(seen[1], /^end \d+$/)
})

t.test('a process that fails or is timed out is still seen ended', async (t) => {
  const ends: number[] = []
  setRunTracker(
    ({ pid }) =>
      () =>
        ends.push(pid),
  )
  t.teardown(() => setRunTracker(undefined))
  await t.rejects(run('sh', ['-c', 'exit 3']), /exited with 3/)
  await t.rejects(run('sleep', ['5'], { timeoutMs: 100 }), /^sleep 5: did not finish within 100 ms; stopped it$/)
  t.equal(ends.length, 2)
})

t.test('a program that does not exist is never tracked', async (t) => {
  let tracked = 0
  setRunTracker(() => (tracked++, () => {}))
  t.teardown(() => setRunTracker(undefined))
  await t.rejects(run('no-such-program-vmlab', []), /program not found/)
  t.equal(tracked, 0)
})

/** Waits until `check` holds, or `ms` have passed; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 25))) if (Date.now() > until) return false
  return true
}

t.test('a process left running when lab is killed finishes its work, though it writes after lab has gone', async (t) => {
  const dir = t.testdir()
  const started = join(dir, 'started')
  const marker = join(dir, 'marker')
  // Output before and after the parent dies, as a `VBoxManage clonevm` prints progress while lab is killed.
  const script = 'echo out; echo err >&2; : > "$1"; sleep 0.5; echo more; echo more >&2; : > "$2"'
  const parent = spawn(
    process.execPath,
    ['--input-type=module', '-e', 'const { run } = await import(process.argv[1]); await run("sh", JSON.parse(process.argv[2]))', RUN_JS, JSON.stringify(['-c', script, 'sh', started, marker])],
    { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } },
  )
  t.ok(await eventually(() => existsSync(started), 20_000), 'the child has started and written its first output')
  parent.kill('SIGKILL')
  await new Promise((r) => parent.once('exit', r))
  t.ok(await eventually(() => existsSync(marker), 10_000), 'the child wrote after its parent was killed and finished')
})

t.test('output, errors and input go through files that no one else can see and that are gone once read', async (t) => {
  const tmp = t.testdir()
  const before = process.env.TMPDIR
  process.env.TMPDIR = tmp
  t.teardown(() => {
    if (before === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = before
  })
  const seen: string[][] = []
  setRunTracker(() => (seen.push(readdirSync(tmp)), () => {}))
  t.teardown(() => setRunTracker(undefined))
  const big = 'x'.repeat(300_000)
  const r = await run('sh', ['-c', 'cat; echo; echo to-err >&2; exit 0'], { input: big })
  t.equal(r.stdout, `${big}\n`, 'all of a large output (more than a pipe holds) is read back')
  t.equal(r.stderr, 'to-err\n')
  t.same(seen, [[]], 'no file name is left in the temp folder while the process runs')
  t.same(readdirSync(tmp), [], 'nor after')
  const bytes = await run('sh', ['-c', 'printf "\\303\\251t\\303\\251"'])
  t.equal(bytes.stdout, 'été', 'UTF-8 read back whole')
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('past its time limit, the process and everything it started are stopped, and the error says what to do', async (t) => {
  const pidFile = join(t.testdir(), 'pid')
  const started = Date.now()
  const error = await run('sh', ['-c', 'sleep 30 & echo $! > "$1"; wait', 'sh', pidFile], { timeoutMs: 300, timeoutHint: 'restart the thing, then run the command again' }).catch((e: unknown) => e)
  t.type(error, CommandTimeoutError)
  t.match((error as CommandTimeoutError).message, /^sh -c .* sh \S+: did not finish within 300 ms; stopped it$/, 'names the command and how long it waited')
  t.equal((error as CommandTimeoutError).hint, 'restart the thing, then run the command again')
  t.equal((error as CommandTimeoutError).waitedMs, 300)
  t.ok(Date.now() - started < 2000, 'a process that ends on SIGTERM is not waited for longer')
  const grandchild = Number(readFileSync(pidFile, 'utf8'))
  t.ok(await eventually(() => !alive(grandchild), 2000), 'what it started went with it (its whole process group)')
})

t.test('a process that ignores SIGTERM is killed after a short grace', async (t) => {
  const started = Date.now()
  await t.rejects(run('sh', ['-c', 'trap "" TERM; sleep 30'], { timeoutMs: 200 }), CommandTimeoutError)
  const took = Date.now() - started
  t.ok(took >= 2000 && took < 6000, `SIGKILL after the grace (${took} ms)`)
})

t.test('a process ended by a signal it did not get from us reports 128 + the signal, as a shell does', async (t) => {
  const r = await run('sh', ['-c', 'kill -9 $$'], { reject: false })
  t.equal(r.exitCode, 137)
  await t.rejects(run('sh', ['-c', 'kill -9 $$']), /^sh -c 'kill -9 \$\$' was ended by SIGKILL$/)
})
