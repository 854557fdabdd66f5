import t from 'tap'
import { readFileSync } from 'node:fs'
import { run, setRunTracker } from '../../src/util/run.js'

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
  setRunTracker(({ pid }) => () => ends.push(pid))
  t.teardown(() => setRunTracker(undefined))
  await t.rejects(run('sh', ['-c', 'exit 3']), /exited with 3/)
  await t.rejects(run('sleep', ['5'], { timeoutMs: 100 }), /timed out after 100 ms/)
  t.equal(ends.length, 2)
})

t.test('a program that does not exist is never tracked', async (t) => {
  let tracked = 0
  setRunTracker(() => ((tracked++), () => {}))
  t.teardown(() => setRunTracker(undefined))
  await t.rejects(run('no-such-program-vmlab', []), /program not found/)
  t.equal(tracked, 0)
})
