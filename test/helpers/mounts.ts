/**
 * Real file-system failures for tests that run as root (CI does): a small tmpfs that fills up (ENOSPC), one
 * remounted read-only (EROFS), and a command run as `nobody`, whom mode bits stop (root ignores them).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { DirTree } from './sim-lab.js'

/**
 * A scratch folder whose tmpfs mounts are unmounted before it is removed, in one teardown (a tap testdir is
 * removed first, and a mount inside it makes that fail). `testdir` stands in for tap's, e.g. for simLab().
 */
export function scratch(t: Test): { dir: string; tmpfs(at: string, size: string): string; testdir(tree?: DirTree): string } {
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-fs-'))
  const mounts: string[] = []
  t.teardown(() => {
    for (const m of mounts.reverse()) execFileSync('umount', ['-l', m])
    rmSync(dir, { recursive: true, force: true })
  })
  const write = (at: string, fixture: DirTree) => {
    mkdirSync(at, { recursive: true })
    for (const [name, v] of Object.entries(fixture)) typeof v === 'string' ? writeFileSync(join(at, name), v) : write(join(at, name), v)
  }
  let n = 0
  return {
    dir,
    /** A tmpfs of `size` (e.g. '64k') on `at`. */
    tmpfs(at, size) {
      mkdirSync(at, { recursive: true })
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', at])
      mounts.push(at)
      return at
    },
    testdir(fixture = {}) {
      const at = join(dir, `t${n++}`)
      write(at, fixture)
      return at
    },
  }
}

/** Fills the file system that holds `dir` to the last byte, with one file there. */
export function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 0x78)
  const filler = join(dir, 'filler')
  writeFileSync(filler, '')
  try {
    for (;;) writeFileSync(filler, chunk, { flag: 'a' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  }
  // The last page may have room left for a small file: take it byte by byte.
  try {
    for (;;) writeFileSync(filler, 'x', { flag: 'a' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  }
}

export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir])
}

/** argv that runs `argv` as nobody, with no groups; without tap's process tracking, which nobody cannot record. */
export function asNobody(argv: string[]): string[] {
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', 'env', '-u', 'NODE_OPTIONS', ...argv]
}
