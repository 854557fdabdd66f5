#!/usr/bin/env node
// Start-up cost of the CLI against a bare Node: `lab --help` and `lab --version` must stay instant.
// Usage: npm run build && node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const runs = Number(process.argv[2] ?? 20)

function measure(args) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' })
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  return { median: times[Math.floor(runs / 2)], min: times[0], max: times[runs - 1] }
}

const cases = [
  ['node -e 0', ['-e', '0']],
  ['lab --version', [bin, '--version']],
  ['lab --help', [bin, '--help']],
  ['lab validate (built-in lab)', [bin, 'validate']],
]
const base = measure(cases[0][1]).median
console.log(`runs per case: ${runs}`)
for (const [name, args] of cases) {
  const m = measure(args)
  console.log(`${name.padEnd(30)} median ${m.median.toFixed(1).padStart(7)} ms  (min ${m.min.toFixed(1)}, max ${m.max.toFixed(1)})  +${(m.median - base).toFixed(1)} ms over node`)
}
