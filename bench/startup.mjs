#!/usr/bin/env node
// Start-up cost of the CLI against a bare Node: `lab --help`, `lab --version` and `lab <command> --help` must
// stay instant (the standard: at most 1.5× `node -e 0`). The cases take turns, one run each per round, so
// that a loaded machine slows them all alike and the medians compare.
// Usage: npm run build && node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const runs = Number(process.argv[2] ?? 20)

const cases = [
  ['node -e 0', ['-e', '0']],
  ['lab --version', [bin, '--version']],
  ['lab --help', [bin, '--help']],
  ['lab up --help', [bin, 'up', '--help']],
  ['lab iso fetch --help', [bin, 'iso', 'fetch', '--help']],
  ['lab validate (built-in lab)', [bin, 'validate']],
]

function once(args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' })
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}

const times = cases.map(() => [])
for (let i = 0; i < runs; i++) {
  for (const [k, [, args]] of cases.entries()) times[k].push(once(args))
}
const stats = times.map((t) => {
  t.sort((a, b) => a - b)
  return { median: t[Math.floor(runs / 2)], min: t[0], max: t[runs - 1] }
})
const base = stats[0].median
console.log(`runs per case: ${runs}`)
cases.forEach(([name], k) => {
  const m = stats[k]
  console.log(
    `${name.padEnd(30)} median ${m.median.toFixed(1).padStart(7)} ms  (min ${m.min.toFixed(1)}, max ${m.max.toFixed(1)})  +${(m.median - base).toFixed(1)} ms, ${(m.median / base).toFixed(2)}× node`,
  )
})
