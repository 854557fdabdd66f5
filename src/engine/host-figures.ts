/** This machine's free memory, free disk at a folder and CPU count, for host-fit.ts. */
import { readFile, statfs } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { availableParallelism, freemem } from 'node:os'
import { dirname, resolve } from 'node:path'
import type { HostFigures } from './host-fit.js'

/** Linux's MemAvailable counts the page cache it can drop; freemem() alone would call a busy machine full. */
async function freeMemoryMiB(): Promise<number> {
  if (process.platform === 'linux') {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8').catch(() => ''))
    if (m) return Number(m[1]) / 1024
  }
  return freemem() / 1024 / 1024
}

/** The folder may not exist yet (a first `lab up`): its nearest parent is on the same file system, or the one it will be made on. */
function existingAncestor(path: string): string {
  let p = resolve(path)
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p)
  return p
}

export async function hostFigures(diskPath: string): Promise<HostFigures> {
  const s = await statfs(existingAncestor(diskPath))
  return { freeMemoryMiB: await freeMemoryMiB(), freeDiskMiB: (s.bavail * s.bsize) / 1024 / 1024, diskPath, cpus: availableParallelism() }
}
