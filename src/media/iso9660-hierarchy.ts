/**
 * Plans one directory hierarchy of the image (the primary one with Rock Ridge, or the
 * Joliet one): the directories in path table order and, for each, its directory records
 * with their final sizes. Sector numbers come later (see iso9660-layout.ts); every field
 * that holds one has a fixed size, so the sizes planned here do not depend on them.
 */
import { SECTOR_SIZE } from './iso9660-encoding.js'
import { directoryRecordLength } from './iso9660-records.js'
import { CE_LENGTH, splitSystemUse } from './iso9660-rockridge.js'
import type { DirNode, FileNode, TreeNode } from './iso9660-tree.js'

/** Largest even record length: the length is one byte and must be even. */
const MAX_RECORD = 254

export interface RecordPlan {
  identifier: Buffer
  target: DirPlan | FileNode
  /** System use entries kept in the record itself (without the CE entry). */
  systemUse: Buffer[]
  /** Entries moved to a continuation area, or none. */
  continued: Buffer[]
  /** Total record length in bytes, CE entry and padding included. */
  length: number
}

export interface DirPlan {
  node: DirNode
  /** Unset for the root. */
  parent?: DirPlan
  /** Identifier in the path table; the root's is a single 0x00 byte. */
  identifier: Buffer
  /** 1-based position in the path table, which is how path table entries name a parent. */
  number: number
  records: RecordPlan[]
  /** Extent size in bytes: whole sectors. */
  size: number
}

/** ECMA-119 6.8.2: the root is its own parent; its '..' record points to itself. */
function parentOf(dir: DirPlan): DirPlan {
  return dir.parent ?? dir
}

/** What differs between the primary and the Joliet hierarchy. */
export interface Flavour {
  identifiers(entries: readonly TreeNode[]): Map<TreeNode, Buffer>
  /** Sort order of directory records and path table entries. */
  compare(a: Buffer, b: Buffer): number
  /** System use entries for the record of `node`; `role` tells '.' and '..' apart. */
  systemUse(role: 'self' | 'parent' | 'child', node: TreeNode, isRoot: boolean): Buffer[]
}

function planRecord(identifier: Buffer, target: DirPlan | FileNode, entries: Buffer[]): RecordPlan {
  const room = MAX_RECORD - directoryRecordLength(identifier.length, 0)
  const { inRecord, continued } = splitSystemUse(entries, room)
  const used = inRecord.reduce((sum, e) => sum + e.length, 0) + (continued.length > 0 ? CE_LENGTH : 0)
  const length = directoryRecordLength(identifier.length, used)
  return { identifier, target, systemUse: inRecord, continued, length }
}

/**
 * ECMA-119 6.8.1.1: a directory record never crosses a sector boundary; the rest of the
 * sector stays zero and the next record starts on the next sector.
 */
export function recordOffsets(records: readonly RecordPlan[]): { offsets: number[]; size: number } {
  const offsets: number[] = []
  let position = 0
  for (const record of records) {
    const inSector = position % SECTOR_SIZE
    if (inSector + record.length > SECTOR_SIZE) position += SECTOR_SIZE - inSector
    offsets.push(position)
    position += record.length
  }
  return { offsets, size: Math.max(1, Math.ceil(position / SECTOR_SIZE)) * SECTOR_SIZE }
}

/** Number of links of a directory as POSIX counts them: '.', its name, and each child's '..'. */
export function directoryLinks(dir: DirNode): number {
  let links = 2
  for (const child of dir.children.values()) if (child.kind === 'dir') links++
  return links
}

/**
 * Directories in path table order (ECMA-119 9.4.4): level by level from the root, within a
 * level by parent number, then by identifier. Directory extents are laid out in that order.
 */
export function planHierarchy(root: DirNode, flavour: Flavour): DirPlan[] {
  const rootPlan: DirPlan = { node: root, identifier: Buffer.from([0]), number: 1, records: [], size: 0 }
  const dirs: DirPlan[] = [rootPlan]
  const listings = new Map<DirPlan, { identifier: Buffer; target: DirPlan | FileNode }[]>()

  // Breadth first: appending while iterating visits each level after the previous one, and
  // each directory's subdirectories in identifier order.
  for (const dir of dirs) {
    const entries = [...dir.node.children.values()]
    const ids = flavour.identifiers(entries)
    const sorted = entries.map((node) => ({ node, identifier: ids.get(node) as Buffer })).sort((a, b) => flavour.compare(a.identifier, b.identifier))
    const listing = sorted.map(({ node, identifier }) => {
      if (node.kind === 'file') return { identifier, target: node }
      const plan: DirPlan = { node, parent: dir, identifier, number: dirs.length + 1, records: [], size: 0 }
      dirs.push(plan)
      return { identifier, target: plan }
    })
    listings.set(dir, listing)
  }

  for (const dir of dirs) {
    const parent = parentOf(dir)
    const records = [planRecord(Buffer.from([0]), dir, flavour.systemUse('self', dir.node, dir === rootPlan)), planRecord(Buffer.from([1]), parent, flavour.systemUse('parent', parent.node, false))]
    for (const { identifier, target } of listings.get(dir) ?? []) {
      const node = 'kind' in target ? target : target.node
      records.push(planRecord(identifier, target, flavour.systemUse('child', node, false)))
    }
    dir.records = records
    dir.size = recordOffsets(records).size
  }
  return dirs
}
