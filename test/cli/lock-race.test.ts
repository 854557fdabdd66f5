/**
 * Two `lab` commands started together on a lab whose lock a killed command left: one of them takes it over.
 * Node's start-up varies by more than the race's window, so this rarely met the race even before the fix
 * (test/state/lock-race.test.ts does, on the millisecond); it shows the CLI's side: one takeover message, the
 * other command busy or after the first, the lock freed.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { simLab } from '../helpers/sim-lab.js'

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

t.test('two `lab status` on a stale lock, 5 times: the lock is taken over once each time', async (t) => {
  const s = simLab(t, 'virtualbox', { name: 'race', cidr: '127.31.7.0/24', nodes: ['master'] })
  const stateDir = join(s.dir, '.lab', 'race')
  mkdirSync(stateDir, { recursive: true })
  const stalePid = await deadPid()
  const failures: string[] = []
  for (let i = 0; i < 5; i++) {
    writeFileSync(join(stateDir, 'lock'), JSON.stringify({ pid: stalePid, command: 'lab up', host: hostname(), since: `trial ${i}` }) + '\n')
    const both = await Promise.all([s.run(['status']), s.run(['status'])])
    const takeovers = both.filter((r) => /taking over the lock of `lab up`/.test(r.stderr)).length
    // The other one either found the lab busy or came after the first had finished and took a free lock.
    const odd = both.filter((r) => r.code !== 0 && !/this lab is busy/.test(r.stderr))
    if (takeovers !== 1 || odd.length) failures.push(`trial ${i}: ${takeovers} takeovers; ${both.map((r) => `exit ${r.code}: ${r.stderr.trim()}`).join(' | ')}`)
    if (existsSync(join(stateDir, 'lock'))) failures.push(`trial ${i}: the lock was left`)
  }
  t.same(failures, [], 'one takeover per trial, and the lock freed afterwards')
})
