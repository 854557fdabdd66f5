// The .vmsd file: VMware's record of a VM's snapshot tree (snapshotN.* keys), of the linked
// clones made from each snapshot (snapshotN.cloneM) and, in a linked clone, of its parent
// (cloneOf0) and the disks it owns (sentinelN). Written with VMware's key names.

import fs from 'node:fs'
import { Dictionary } from './dictionary.mjs'

/**
 * @typedef {{ uid: number, parent?: number, filename: string, displayName: string,
 *   description: string, createTimeHigh: number, createTimeLow: number,
 *   disks: {fileName: string, node: string}[], clones: string[] }} Snapshot
 */

export class SnapshotDb {
  constructor() {
    this.lastUid = 0
    /** @type {number|undefined} */
    this.current = undefined
    /** @type {Snapshot[]} in creation order */
    this.snapshots = []
    /** @type {string[]} */
    this.cloneOf = []
    /** @type {string[]} */
    this.sentinels = []
  }

  static load(file) {
    const db = new SnapshotDb()
    if (!fs.existsSync(file)) return db
    const d = Dictionary.parse(fs.readFileSync(file, 'utf8'))
    const num = (key) => Number(d.get(key) ?? '0')
    db.lastUid = num('snapshot.lastUID')
    db.current = d.has('snapshot.current') ? num('snapshot.current') : undefined
    for (let i = 0; d.has(`snapshot${i}.uid`); i++) {
      const p = `snapshot${i}`
      db.snapshots.push({
        uid: num(`${p}.uid`),
        parent: d.has(`${p}.parent`) ? num(`${p}.parent`) : undefined,
        filename: d.get(`${p}.filename`) ?? '',
        displayName: d.get(`${p}.displayName`) ?? '',
        description: d.get(`${p}.description`) ?? '',
        createTimeHigh: num(`${p}.createTimeHigh`),
        createTimeLow: num(`${p}.createTimeLow`),
        disks: Array.from({ length: num(`${p}.numDisks`) }, (_, j) => ({
          fileName: d.get(`${p}.disk${j}.fileName`) ?? '',
          node: d.get(`${p}.disk${j}.node`) ?? '',
        })),
        clones: Array.from({ length: num(`${p}.numClones`) }, (_, j) => d.get(`${p}.clone${j}`) ?? ''),
      })
    }
    db.cloneOf = Array.from({ length: num('numCloneOf') }, (_, j) => d.get(`cloneOf${j}`) ?? '')
    db.sentinels = Array.from({ length: num('numSentinels') }, (_, j) => d.get(`sentinel${j}`) ?? '')
    return db
  }

  save(file) {
    const d = new Dictionary()
    d.set('.encoding', 'UTF-8')
    if (this.lastUid > 0) d.set('snapshot.lastUID', this.lastUid)
    if (this.current !== undefined) d.set('snapshot.current', this.current)
    this.snapshots.forEach((s, i) => {
      const p = `snapshot${i}`
      d.set(`${p}.uid`, s.uid)
      d.set(`${p}.filename`, s.filename)
      if (s.parent !== undefined) d.set(`${p}.parent`, s.parent)
      d.set(`${p}.displayName`, s.displayName)
      if (s.description) d.set(`${p}.description`, s.description)
      d.set(`${p}.createTimeHigh`, s.createTimeHigh)
      d.set(`${p}.createTimeLow`, s.createTimeLow)
      d.set(`${p}.numDisks`, s.disks.length)
      s.disks.forEach((disk, j) => {
        d.set(`${p}.disk${j}.fileName`, disk.fileName)
        d.set(`${p}.disk${j}.node`, disk.node)
      })
      if (s.clones.length > 0) {
        d.set(`${p}.numClones`, s.clones.length)
        for (const [j, c] of s.clones.entries()) d.set(`${p}.clone${j}`, c)
      }
    })
    if (this.lastUid > 0) d.set('snapshot.numSnapshots', this.snapshots.length)
    for (const [j, c] of this.cloneOf.entries()) d.set(`cloneOf${j}`, c)
    if (this.cloneOf.length > 0) d.set('numCloneOf', this.cloneOf.length)
    for (const [j, s] of this.sentinels.entries()) d.set(`sentinel${j}`, s)
    if (this.sentinels.length > 0) d.set('numSentinels', this.sentinels.length)
    fs.writeFileSync(file, d.toString())
  }

  byUid(uid) {
    return this.snapshots.find((s) => s.uid === uid)
  }

  children(uid) {
    return this.snapshots.filter((s) => s.parent === uid)
  }

  /** Depth-first, children in creation order: the order vmrun lists snapshots in. */
  walk() {
    const out = []
    const visit = (s, depth) => {
      out.push({ snapshot: s, depth })
      for (const c of this.children(s.uid)) visit(c, depth + 1)
    }
    for (const root of this.snapshots.filter((s) => s.parent === undefined || !this.byUid(s.parent))) visit(root, 0)
    return out
  }

  /** The snapshot and all its descendants. */
  subtree(uid) {
    const out = [this.byUid(uid)]
    for (let i = 0; i < out.length; i++) out.push(...this.children(out[i].uid))
    return out
  }

  pathOf(s) {
    const names = []
    for (let cur = s; cur; cur = cur.parent === undefined ? undefined : this.byUid(cur.parent)) names.unshift(cur.displayName)
    return names.join('/')
  }

  /**
   * VIX name lookup: a plain name must match exactly one snapshot; "a/b/c" (or "a\b\c") names a
   * path from a root. Returns the list of matches so callers can tell none from many.
   */
  find(name) {
    const sep = name.includes('/') ? '/' : name.includes('\\') ? '\\' : undefined
    if (sep === undefined) return this.snapshots.filter((s) => s.displayName === name)
    const wanted = name.split(sep).join('/')
    return this.snapshots.filter((s) => this.pathOf(s) === wanted)
  }
}

/** VMware stores creation times as microseconds since 1970 split into two signed 32-bit words. */
export function createTimeWords(ms = Date.now()) {
  const us = BigInt(ms) * 1000n
  return { createTimeHigh: Number(us >> 32n), createTimeLow: Number(BigInt.asIntN(32, us & 0xffffffffn)) }
}
