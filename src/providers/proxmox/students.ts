/**
 * Per student: a pool for their VMs, a `@pve` user (a PVE account, not a host account) and an ACL that gives
 * that user PVEVMUser on the pool only, so the web console and power buttons reach their own VMs. `lab class`
 * calls these; each is idempotent (a second call finds what the first made and changes nothing).
 */
import type { PveApi } from './api.js'

export interface StudentAccess {
  /** The pool, e.g. vmlab-s01. */
  pool: string
  /** The user, e.g. s01@pve. */
  userid: string
  /** Set on creation only (PVE keeps no way to read it back). */
  password?: string
  comment?: string
}

export const STUDENT_ROLE = 'PVEVMUser'

export function studentAccess(student: string, opts: { poolPrefix?: string; password?: string } = {}): StudentAccess {
  return { pool: `${opts.poolPrefix ?? 'vmlab-'}${student}`, userid: `${student}@pve`, ...(opts.password === undefined ? {} : { password: opts.password }), comment: `vmlab student ${student}` }
}

/** Makes what is missing of the pool, the user and the ACL; returns what it made. */
export async function ensureStudentAccess(api: PveApi, s: StudentAccess): Promise<string[]> {
  const made: string[] = []
  const pools = await api.get<Array<{ poolid: string }>>('/pools')
  if (!pools.some((p) => p.poolid === s.pool)) {
    await api.call('POST', '/pools', { poolid: s.pool, comment: s.comment })
    made.push(`pool ${s.pool}`)
  }
  const users = await api.get<Array<{ userid: string }>>('/access/users')
  if (!users.some((u) => u.userid === s.userid)) {
    await api.call('POST', '/access/users', { userid: s.userid, password: s.password, comment: s.comment })
    made.push(`user ${s.userid}`)
  }
  const path = `/pool/${s.pool}`
  const acl = await api.get<Array<{ path: string; ugid: string; roleid: string; type: string }>>('/access/acl')
  if (!acl.some((a) => a.path === path && a.ugid === s.userid && a.roleid === STUDENT_ROLE && a.type === 'user')) {
    await api.call('PUT', '/access/acl', { path, users: s.userid, roles: STUDENT_ROLE, propagate: 1 })
    made.push(`acl ${path} ${s.userid} ${STUDENT_ROLE}`)
  }
  return made
}

/** Removes the user (its ACLs go with it) and the pool, which PVE only removes once it holds no VM. */
export async function removeStudentAccess(api: PveApi, s: StudentAccess): Promise<void> {
  const users = await api.get<Array<{ userid: string }>>('/access/users')
  if (users.some((u) => u.userid === s.userid)) await api.call('DELETE', `/access/users/${encodeURIComponent(s.userid)}`)
  const pools = await api.get<Array<{ poolid: string }>>('/pools')
  if (pools.some((p) => p.poolid === s.pool)) await api.call('DELETE', `/pools/${encodeURIComponent(s.pool)}`)
}
