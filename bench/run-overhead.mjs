#!/usr/bin/env node
// What one process started by run() (src/util/run.ts) costs: `true` run N times, median and mean per call,
// beside a bare child_process.spawn of the same program for scale. Children write their output to files
// rather than pipes (so that they outlive a killed lab); this shows what that costs per hypervisor call.
// Usage: npm run build && node bench/run-overhead.mjs [calls]
import { spawn } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { run } = await import(join(dist, 'util/run.js'))
const calls = Number(process.argv[2] ?? 200)

const bare = () => new Promise((resolve, reject) => spawn('true', [], { stdio: 'ignore' }).on('error', reject).on('close', resolve))

async function measure(fn) {
  for (let i = 0; i < 10; i++) await fn()
  const times = []
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return { median: times[Math.floor(calls / 2)], mean: times.reduce((a, b) => a + b, 0) / calls }
}

// Interleaved rounds, so that a load change on a shared machine falls on both alike.
const rounds = { spawn: [], run: [] }
for (let r = 0; r < 3; r++) {
  rounds.spawn.push(await measure(bare))
  rounds.run.push(await measure(() => run('true', [])))
}
const best = (ms) => ms.reduce((a, b) => (a.median < b.median ? a : b))
for (const [name, ms] of Object.entries(rounds)) {
  const b = best(ms)
  console.log(`${name === 'run' ? "run('true')      " : "spawn('true') bare"}: median ${b.median.toFixed(2)} ms, mean ${b.mean.toFixed(2)} ms (best of 3 rounds of ${calls})`)
}
