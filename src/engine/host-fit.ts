/**
 * Does the lab fit on this machine? The host's free memory, free disk where the VM disks go and CPU count
 * against what `lab up` is about to start and write. Pure: the host's figures are given (host-figures.ts
 * reads them), so that `validate` and the tests need no host.
 *
 * Disks are dynamic: the base grows to what the install writes (never past its size), a linked clone holds
 * only its own changes, and a live snapshot keeps each node's memory on disk. So the disk "need" is what a
 * fresh lab writes; the disks' full sizes are what they may grow to, and only a warning.
 */
export interface HostFigures {
  /** MiB the system can give to new processes without swapping (Linux: MemAvailable). */
  freeMemoryMiB: number
  /** MiB free on the file system of `diskPath`. */
  freeDiskMiB: number
  diskPath: string
  cpus: number
}

export interface FitNode {
  name: string
  cpus: number
  /** MiB */
  memory: number
  /** GiB, the disk's full (virtual) size */
  disk: number
  /** The VM exists already: its disk is written. */
  exists: boolean
  /** It runs already: its memory is taken. */
  running: boolean
}

export interface FitInput {
  nodes: FitNode[]
  /** The base image exists already (a reused base writes nothing). */
  baseExists: boolean
  /** GiB, the base disk's full size */
  baseDisk: number
  /** Live snapshots keep every node's memory on disk (the ready snapshot among them). */
  liveSnapshots: boolean
}

/** What an install writes to the base disk, and a linked clone to its own, until the modules ran (GiB). */
export const BASE_WRITE_GIB = 4
export const CLONE_WRITE_GIB = 1
/** A near miss: less than this share of the free memory or disk left over. */
const MARGIN = 0.1

export interface Fit {
  /** Shortfalls: `lab up` stops (unless --force). */
  errors: string[]
  /** Near misses: said, and `lab up` goes on. */
  warnings: string[]
  need: { memoryMiB: number; diskMiB: number; diskMaxMiB: number; cpus: number; largestCpus: number }
}

const GIB = 1024

function mib(n: number): string {
  return n >= 10 * GIB ? `${(n / GIB).toFixed(1)} GiB` : `${Math.round(n)} MiB`
}

export function hostFit(input: FitInput, host: HostFigures): Fit {
  const starting = input.nodes.filter((n) => !n.running)
  const fresh = input.nodes.filter((n) => !n.exists)
  const memoryMiB = starting.reduce((s, n) => s + n.memory, 0)
  const snapshotMiB = input.liveSnapshots ? fresh.reduce((s, n) => s + n.memory, 0) : 0
  const diskMiB = (input.baseExists ? 0 : Math.min(BASE_WRITE_GIB, input.baseDisk) * GIB) + fresh.reduce((s, n) => s + Math.min(CLONE_WRITE_GIB, n.disk) * GIB, 0) + snapshotMiB
  const diskMaxMiB = (input.baseExists ? 0 : input.baseDisk * GIB) + fresh.reduce((s, n) => s + n.disk * GIB, 0) + snapshotMiB
  const cpus = starting.reduce((s, n) => s + n.cpus, 0)
  const largest = input.nodes.reduce<FitNode | undefined>((a, n) => (!a || n.cpus > a.cpus ? n : a), undefined)
  const errors: string[] = []
  const warnings: string[] = []
  const nodes = `${starting.length} node${starting.length === 1 ? '' : 's'}`

  if (memoryMiB > host.freeMemoryMiB) {
    errors.push(`not enough free memory: ${nodes} to start need ${mib(memoryMiB)}, this machine has ${mib(host.freeMemoryMiB)} free`)
  } else if (memoryMiB > host.freeMemoryMiB * (1 - MARGIN)) {
    warnings.push(`memory is tight: ${nodes} to start need ${mib(memoryMiB)} of the ${mib(host.freeMemoryMiB)} free; other programs may be swapped out`)
  }
  if (diskMiB > host.freeDiskMiB) {
    errors.push(`not enough free disk in ${host.diskPath}: the lab writes about ${mib(diskMiB)} there, ${mib(host.freeDiskMiB)} is free`)
  } else if (diskMaxMiB > host.freeDiskMiB * (1 - MARGIN)) {
    warnings.push(`disk may run short in ${host.diskPath}: ${mib(host.freeDiskMiB)} free, the lab writes about ${mib(diskMiB)} and its disks may grow to ${mib(diskMaxMiB)}`)
  }
  if (largest && largest.cpus > host.cpus) {
    errors.push(`node ${largest.name} asks for ${largest.cpus} CPUs, this machine has ${host.cpus}`)
  } else if (cpus > host.cpus) {
    warnings.push(`${nodes} to start have ${cpus} CPUs between them on this machine's ${host.cpus}: they will share them and run slower`)
  }
  return { errors, warnings, need: { memoryMiB, diskMiB, diskMaxMiB, cpus, largestCpus: largest?.cpus ?? 0 } }
}

/** The fix for what does not fit, in the words of the lab file and the command line. */
export const FIT_HINT =
  'give the nodes less memory, fewer CPUs or a smaller disk in the lab file (cpus/memory/disk), bring up fewer nodes (--only), free some memory or disk; or `lab up --force` to start anyway'
