/**
 * Where everything goes, in 2048-byte sectors:
 *
 *   0-15   system area, unused (ECMA-119 6.2.1), zeros
 *   16     primary volume descriptor
 *   17     Joliet supplementary volume descriptor
 *   18     volume descriptor set terminator
 *   19-    path tables (primary L, M; Joliet L, M), directory extents (primary, then
 *          Joliet), Rock Ridge continuation areas, then file data
 *
 * Metadata first and file data last, the order genisoimage and libisofs use: a reader
 * finds the whole tree in the first few sectors.
 */
import { SECTOR_SIZE, sectorsFor } from './iso9660-encoding.js'
import type { DirPlan, RecordPlan } from './iso9660-hierarchy.js'
import { pathTableSize } from './iso9660-records.js'
import type { FileNode } from './iso9660-tree.js'

export const PRIMARY_DESCRIPTOR_SECTOR = 16
export const JOLIET_DESCRIPTOR_SECTOR = 17
export const TERMINATOR_SECTOR = 18
const FIRST_FREE_SECTOR = 19

export interface PathTablePlace {
  size: number
  littleEndian: number
  bigEndian: number
}

export interface ContinuationPlace {
  sector: number
  offset: number
  length: number
}

export interface Layout {
  totalSectors: number
  primaryPathTable: PathTablePlace
  jolietPathTable: PathTablePlace
  dirSectors: Map<DirPlan, number>
  continuations: Map<RecordPlan, ContinuationPlace>
  /** Files in the order of their data on the disc. */
  files: FileNode[]
  fileSectors: Map<FileNode, number>
}

export function layOut(primary: readonly DirPlan[], joliet: readonly DirPlan[]): Layout {
  let next = FIRST_FREE_SECTOR
  const take = (sectors: number): number => {
    const start = next
    next += sectors
    return start
  }
  const pathTablePlace = (dirs: readonly DirPlan[]): PathTablePlace => {
    const size = pathTableSize(dirs)
    return { size, littleEndian: take(sectorsFor(size)), bigEndian: take(sectorsFor(size)) }
  }
  const primaryPathTable = pathTablePlace(primary)
  const jolietPathTable = pathTablePlace(joliet)

  const dirSectors = new Map<DirPlan, number>()
  for (const dir of [...primary, ...joliet]) dirSectors.set(dir, take(dir.size / SECTOR_SIZE))

  // Continuation areas are packed several to a sector, but none crosses a sector boundary:
  // Linux reads an area from a single block.
  const continuations = new Map<RecordPlan, ContinuationPlace>()
  let sector = -1
  let offset = SECTOR_SIZE
  for (const dir of primary) {
    for (const record of dir.records) {
      const length = record.continued.reduce((sum, e) => sum + e.length, 0)
      if (length === 0) continue
      if (offset + length > SECTOR_SIZE) {
        sector = take(1)
        offset = 0
      }
      continuations.set(record, { sector, offset, length })
      offset += length
    }
  }

  // Both hierarchies list the same files; the primary one's order decides where data goes.
  const files: FileNode[] = []
  const fileSectors = new Map<FileNode, number>()
  for (const dir of primary) {
    for (const record of dir.records) {
      if (!('kind' in record.target)) continue
      files.push(record.target)
      // An empty file still gets a real sector number (that of the next data, occupying
      // nothing): some readers drop files whose extent is sector 0.
      fileSectors.set(record.target, take(sectorsFor(record.target.data.length)))
    }
  }
  return {
    totalSectors: next,
    primaryPathTable,
    jolietPathTable,
    dirSectors,
    continuations,
    files,
    fileSectors,
  }
}
