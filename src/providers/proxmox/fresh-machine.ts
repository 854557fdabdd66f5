import type { FreshMachine } from '../cli-runner.js'

/**
 * What a one-node PVE 8.2 cluster with nothing of the lab on it answers (for `lab plan --commands --provider
 * proxmox`): calls arrive as `https METHOD PATH k=v…`, the answer is the JSON of `data`. VM ids count up from
 * 100 per plan (a plan starts with GET /version).
 */
let nextId = 100
let task = 0
export const freshMachine: FreshMachine = (_file, args) => {
  const [method, path = ''] = args
  const json = (data: unknown) => ({ stdout: JSON.stringify(data) })
  if (method === 'GET' && path === '/version') {
    nextId = 100
    task = 0
    return json({ version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' })
  }
  if (method === 'GET' && path === '/cluster/nextid') return json(String(nextId++))
  if (method === 'GET' && path === '/cluster/resources')
    return json(args.includes('type=node') ? [{ id: 'node/pve1', type: 'node', node: 'pve1', status: 'online', maxmem: 64 * 2 ** 30, mem: 4 * 2 ** 30 }] : [])
  if (method === 'GET') return json([])
  if (method === 'PUT') return json(null)
  const [, , node = 'pve1', kind = 'qemu'] = path.split('/')
  const vmid = /\/qemu\/(\d+)/.exec(path)?.[1] ?? ''
  const type = path.endsWith('/upload')
    ? 'imgcopy'
    : path.endsWith('/clone')
      ? 'qmclone'
      : path.includes('/snapshot')
        ? method === 'DELETE'
          ? 'qmdelsnapshot'
          : path.endsWith('/rollback')
            ? 'qmrollback'
            : 'qmsnapshot'
        : path.endsWith('/template')
          ? 'qmtemplate'
          : path.includes('/status/')
            ? `qm${path.split('/').pop()}`
            : method === 'DELETE'
              ? kind === 'storage'
                ? 'imgdel'
                : 'qmdestroy'
              : 'qmcreate'
  task++
  return json(`UPID:${node}:${(0x1000 + task).toString(16).toUpperCase().padStart(8, '0')}:00A00000:67540000:${type}:${vmid}:vmlab@pve!lab:`)
}
