/** Disks and offline snapshots through qemu-img: linked clones are qcow2 overlays on the base's disk. */
import type { CliRunner } from '../cli-runner.js'
import { qemuCallOptions, qemuImgCallLimit } from './call-limits.js'
import { CommandError, LabError } from '../../util/errors.js'

export interface QcowSnapshot {
  id: string
  tag: string
  /** Bytes of saved guest memory: >0 for a live snapshot (savevm), 0 for a disk-only one. */
  vmStateBytes: number
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }

function size(text: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]*)$/.exec(text.trim())
  if (!m) return 0
  return Math.round(Number(m[1]) * (UNITS[m[2] || 'B'] ?? 1))
}

/**
 * Parses `qemu-img snapshot -l`:
 *   Snapshot list:
 *   ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
 *   1         clean                 0 B 2026-11-22 02:40:00 00:00:00.000          0
 *   2         ready             212 MiB 2026-11-22 02:41:10 00:01:10.123
 * The TAG column may hold spaces in principle; we never create such names, and the size is read from the
 * right so a tag is everything between the ID and the size.
 */
export function parseSnapshotList(text: string): QcowSnapshot[] {
  const out: QcowSnapshot[] = []
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(.+?)\s+([\d.]+\s*[KMGT]?i?B)\s+\d{4}-\d{2}-\d{2}\s/.exec(line.trim())
    if (m) out.push({ id: m[1]!, tag: m[2]!, vmStateBytes: size(m[3]!) })
  }
  return out
}

export interface ImageInfo {
  format: string
  virtualSize: number
  backing?: string
}

export class QemuImg {
  constructor(
    private readonly runner: CliRunner,
    private readonly binary = 'qemu-img',
  ) {}

  private async run(args: string[]): Promise<string> {
    try {
      return (await this.runner.run(this.binary, args, qemuCallOptions('qemu-img', qemuImgCallLimit(args)))).stdout
    } catch (err) {
      if (err instanceof CommandError && /Failed to get "write" lock|Is another process using the image/.test(err.stderr + err.message)) {
        throw new LabError(`${args.at(-1)} is in use by a running VM`, { hint: 'stop the VM first (lab reset and lab destroy do that)', cause: err })
      }
      throw err
    }
  }

  /**
   * A qcow2 overlay whose reads fall through to `backing` (a linked clone: instant, a few hundred KB);
   * `bytes` gives it a larger disk than the backing's.
   */
  overlay(path: string, backing: string, bytes?: number): Promise<string> {
    return this.run(['create', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, path, ...(bytes !== undefined ? [String(bytes)] : [])])
  }

  /** Format, virtual size and backing file of an image (-U: read even while a VM uses it). */
  async info(path: string): Promise<ImageInfo> {
    const out = await this.run(['info', '-U', '--output=json', path])
    const j = JSON.parse(out) as { format?: string; 'virtual-size'?: number; 'backing-filename'?: string }
    return { format: j.format ?? 'unknown', virtualSize: j['virtual-size'] ?? 0, ...(j['backing-filename'] ? { backing: j['backing-filename'] } : {}) }
  }

  /** A full copy as qcow2 (small images only: the UEFI variable store). */
  copyAsQcow2(from: string, fromFormat: 'raw' | 'qcow2', to: string): Promise<string> {
    return this.run(['convert', '-f', fromFormat, '-O', 'qcow2', from, to])
  }

  create(path: string, gib: number): Promise<string> {
    return this.run(['create', '-f', 'qcow2', path, `${gib}G`])
  }

  /** `shared`: read even while a VM holds the image (-U), for listing only. */
  async snapshots(path: string, shared = false): Promise<QcowSnapshot[]> {
    return parseSnapshotList(await this.run(['snapshot', '-l', ...(shared ? ['-U'] : []), path]))
  }

  snapshotCreate(path: string, tag: string): Promise<string> {
    return this.run(['snapshot', '-c', tag, path])
  }

  snapshotApply(path: string, tag: string): Promise<string> {
    return this.run(['snapshot', '-a', tag, path])
  }

  snapshotDelete(path: string, tag: string): Promise<string> {
    return this.run(['snapshot', '-d', tag, path])
  }
}
