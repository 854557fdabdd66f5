#!/usr/bin/env node
// `lab start EX` figures on QEMU (issue: the course, "bench/"): on a fresh lab of the Debian course twin,
//   the first `lab start EX` (it builds every stage up to EX: the earlier exercises' solutions and givens),
//   then `lab start EX` again (a restore of the kept stage snapshot, clocks stepped): target ≤ 0.1× the first,
//   and where the restore's time goes (the stages `lab start` reports).
// Usage: npm run build && node bench/course-restore.mjs [EXERCISE]   (default: swarm-init)
// (Linux, root for the first image build; about 10 minutes under software emulation with the image cached.)
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const exercise = process.argv[2] ?? 'swarm-init'
const work = mkdtempSync(join(tmpdir(), 'vmlab-bench-course-'))
const env = { ...process.env, VMLAB_QEMU_DIR: join(work, 'qemu'), NO_COLOR: '1' }

function lab(...args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`lab ${args.join(' ')} exited ${r.status}:\n${r.stderr.split('\n').slice(-20).join('\n')}`)
  return { s, stderr: r.stderr }
}

/** `HH:MM:SS name done (1.2 s)` lines of the stages a command reported, as name → seconds. */
function stages(stderr) {
  const out = {}
  for (const m of stderr.matchAll(/^\S+ (\S.*?) done \((\d+(?:\.\d+)?) s\)$/gm)) out[m[1]] = Number(m[2])
  return out
}

copyFileSync(join(root, 'labs', 'course', 'debian-orchestration.yaml'), join(work, 'lab.yaml'))
mkdirSync(join(work, 'images'))
execFileSync(process.execPath, [join(root, 'scripts', 'busybox-image.mjs'), join(work, 'images', 'busybox-rootfs.tar')])
execFileSync(process.execPath, [join(root, 'scripts', 'registry-image.mjs'), join(work, 'images', 'registry.tar')])
try {
  const up = lab('up')
  const first = lab('start', exercise, '--student', 'bench@school.example')
  const again = lab('start', exercise)
  const third = lab('start', exercise)
  const restore = Math.min(again.s, third.s)
  console.log(`lab up: ${up.s.toFixed(1)} s`)
  console.log(`lab start ${exercise}, first (builds its stages from ready): ${first.s.toFixed(1)} s`)
  console.log(`lab start ${exercise}, again (restores stage-${exercise}): ${again.s.toFixed(1)} s, ${third.s.toFixed(1)} s`)
  console.log(`  its stages: ${JSON.stringify(stages(third.stderr))}`)
  console.log(`restore / first build: ${(restore / first.s).toFixed(3)}× (target ≤ 0.1×)`)
} finally {
  spawnSync(process.execPath, [bin, 'destroy', '--force'], { cwd: work, env, stdio: 'ignore' })
  rmSync(work, { recursive: true, force: true })
}
