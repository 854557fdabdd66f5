/**
 * What the API token must be allowed before a lab makes anything: each privilege on the path PVE checks it
 * on, with the built-in role that holds it. `GET /access/permissions` (always allowed on one's own token)
 * gives the token's effective privileges per ACL path, each with whether it propagates to the paths below.
 */
import type { PveApi } from './api.js'

export type Permissions = Record<string, Record<string, number>>

export interface Need {
  /** Where PVE checks it, e.g. /vms or /storage/local-lvm. */
  path: string
  /** A second path that serves as well (a VM privilege on the lab's pool instead of /vms). */
  orPath?: string
  privileges: string[]
  /** A built-in role holding all of them. */
  role: string
  why: string
}

/** Whether `privilege` holds on `path`: given there, or on a path above it that propagates. */
export function holds(perms: Permissions, path: string, privilege: string): boolean {
  for (const [at, privs] of Object.entries(perms)) {
    if (!(privilege in privs)) continue
    if (at === path) return true
    const above = at === '/' || path.startsWith(`${at}/`)
    if (above && Number(privs[privilege]) === 1) return true
  }
  return false
}

/** The privileges a lab's `up` … `destroy` uses; `/vms/*` stands for VMs not made yet. */
export function labNeeds(s: { storage: string; isoStorage: string; bridge: string; pool?: string; poolExists: boolean; nodes: string[] }): Need[] {
  const needs: Need[] = [
    {
      path: '/vms/*',
      ...(s.pool ? { orPath: `/pool/${s.pool}` } : {}),
      privileges: [
        'VM.Allocate',
        'VM.Clone',
        'VM.Audit',
        'VM.PowerMgmt',
        'VM.Snapshot',
        'VM.Snapshot.Rollback',
        'VM.Config.Disk',
        'VM.Config.CDROM',
        'VM.Config.CPU',
        'VM.Config.Memory',
        'VM.Config.Network',
        'VM.Config.Options',
      ],
      role: 'PVEVMAdmin',
      why: 'to make, clone, snapshot and remove the VMs',
    },
    { path: `/storage/${s.storage}`, privileges: ['Datastore.AllocateSpace', 'Datastore.Audit'], role: 'PVEDatastoreUser', why: 'for the VM disks' },
    {
      path: `/storage/${s.isoStorage}`,
      privileges: ['Datastore.AllocateTemplate', 'Datastore.Allocate', 'Datastore.Audit'],
      role: 'PVEDatastoreAdmin',
      why: 'to upload the install ISO and seed discs, and remove them again',
    },
    { path: `/sdn/zones/localnetwork/${s.bridge}`, privileges: ['SDN.Use'], role: 'PVESDNUser', why: 'to put the NICs on the lab bridge' },
    ...s.nodes.map((n) => ({ path: `/nodes/${n}`, privileges: ['Sys.Audit'], role: 'PVEAuditor', why: 'to check the bridge' })),
  ]
  if (s.pool && !s.poolExists) needs.push({ path: `/pool/${s.pool}`, privileges: ['Pool.Allocate'], role: 'PVEPoolAdmin', why: 'to make the lab pool' })
  return needs
}

/** What `lab class` needs on top, to give each student a pool, a @pve user and an ACL. */
export function studentNeeds(poolPrefix: string, realm = 'pve'): Need[] {
  return [
    { path: `/pool/${poolPrefix}*`, privileges: ['Pool.Allocate'], role: 'PVEPoolAdmin', why: "to make the students' pools" },
    // No built-in role but Administrator holds it: README "Proxmox VE" makes a role of exactly these.
    { path: `/pool/${poolPrefix}*`, privileges: ['Permissions.Modify'], role: 'VmlabClass', why: 'to give each student PVEVMUser on their pool' },
    { path: `/access/realm/${realm}`, privileges: ['Realm.AllocateUser'], role: 'PVEUserAdmin', why: "to make the students' users" },
    { path: '/access/groups', privileges: ['User.Modify'], role: 'PVEUserAdmin', why: "to make the students' users" },
  ]
}

/** The privileges missing, one line each: privilege, path, role and why; empty when the token has all. */
export function missing(perms: Permissions, needs: Need[]): string[] {
  const out: string[] = []
  for (const n of needs) {
    const at = (path: string, p: string) => holds(perms, path.replace(/\*$/, 'x'), p)
    const lacking = n.privileges.filter((p) => !at(n.path, p) && !(n.orPath !== undefined && at(n.orPath, p)))
    if (lacking.length > 0) out.push(`${lacking.join(', ')} on ${n.path.replace(/\/\*$/, '')}${n.orPath ? ` (or ${n.orPath})` : ''} — role ${n.role}, ${n.why}`)
  }
  return out
}

export async function tokenPermissions(api: PveApi): Promise<Permissions> {
  return (await api.get<Permissions | null>('/access/permissions')) ?? {}
}

/** The fix for the lines `missing` gave, as the commands that grant them. */
export function grantHint(token: string, needs: Need[], perms: Permissions): string {
  const lines = needs.filter((n) => missing(perms, [n]).length > 0).map((n) => `pveum acl modify ${n.path.replace(/\/\*$/, '').replace(/\*$/, '')} --tokens '${token}' --roles ${n.role.split(' ')[0]}`)
  return `grant them to the token (a token with privilege separation has its own ACLs), e.g.\n${[...new Set(lines)].map((l) => `  ${l}`).join('\n')}\nsee README "Proxmox VE"`
}
