#!/usr/bin/env node
// `lab check` of the whole course on 3 nodes, warm (issue: the course, "bench/"; goal ≤ 5 s, one round trip
// per node): in the folder of a Debian course lab whose exercises are solved, `lab check --json` three times,
// each run's time and the execs each node received (counted in the lab's command log).
// Usage: npm run build && node bench/course-check.mjs [DIR]
//   DIR: a folder holding the lab.yaml of labs/course/debian-orchestration.yaml, built and solved (VMLAB_QEMU_DIR
//   as it was built with). Without DIR, one is built first: lab up, lab start compose-down, lab solve compose-down
//   (about 30 minutes under software emulation).
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const given = process.argv[2]
const work = given ?? mkdtempSync(join(tmpdir(), 'vmlab-bench-check-'))
const env = { ...process.env, NO_COLOR: '1', ...(given ? {} : { VMLAB_QEMU_DIR: join(work, 'qemu') }) }

function lab(...args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`lab ${what} exited ${r.code}:\n${r.stderr.split('\n').slice(-20).join('\n')}`)
  return r
}

/** The lab's command log (one per lab state folder). */
function commandLog() {
  const state = join(work, '.lab')
  const [labDir] = readdirSync(state)
  return join(state, labDir, 'logs', 'commands.log')
}

if (!given) {
  copyFileSync(join(root, 'labs', 'course', 'debian-orchestration.yaml'), join(work, 'lab.yaml'))
  mkdirSync(join(work, 'images'))
  execFileSync(process.execPath, [join(root, 'scripts', 'busybox-image.mjs'), join(work, 'images', 'busybox-rootfs.tar')])
  execFileSync(process.execPath, [join(root, 'scripts', 'registry-image.mjs'), join(work, 'images', 'registry.tar')])
  must(lab('up'), 'up')
  must(lab('start', 'compose-down', '--student', 'bench@school.example'), 'start compose-down')
  must(lab('solve', 'compose-down'), 'solve compose-down')
}
try {
  const runs = []
  for (let i = 0; i < 3; i++) {
    const before = readFileSync(commandLog(), 'utf8').length
    const r = lab('check', '--json')
    const added = readFileSync(commandLog(), 'utf8').slice(before)
    const execs = {}
    for (const m of added.matchAll(/^\S+ \[(\S+)\] \S+\$ /gm)) execs[m[1]] = (execs[m[1]] ?? 0) + 1
    const results = JSON.parse(r.stdout)
    const score = results.reduce((n, e) => n + e.score, 0)
    const max = results.reduce((n, e) => n + e.max, 0)
    runs.push(r.s)
    console.log(`lab check (${results.length} exercises, ${score}/${max} points): ${r.s.toFixed(2)} s; execs per node ${JSON.stringify(execs)}`)
  }
  const sorted = [...runs].sort((a, b) => a - b)
  console.log(`warm: best ${sorted[0].toFixed(2)} s, median ${sorted[1].toFixed(2)} s (goal ≤ 5 s); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
} finally {
  if (!given) {
    spawnSync(process.execPath, [bin, 'destroy', '--force'], { cwd: work, env, stdio: 'ignore' })
    rmSync(work, { recursive: true, force: true })
  }
}
