#!/usr/bin/env node
/**
 * Writes api-params.json: for each endpoint the PVE simulator serves, the parameters pve-docs' published API
 * schema (api-viewer/apidata.js, generated from the pve-manager/qemu-server/pve-access-control handlers)
 * declares, with what the simulator checks of them. Run again when PVE's schema moves:
 *   node extract-params.mjs /path/to/pve-docs/api-viewer/apidata.js "pve-docs COMMIT"
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ENDPOINTS = [
  'GET /version',
  'GET /cluster/nextid',
  'GET /cluster/resources',
  'GET /nodes/{node}/network',
  'GET /nodes/{node}/storage/{storage}/content',
  'POST /nodes/{node}/storage/{storage}/upload',
  'DELETE /nodes/{node}/storage/{storage}/content/{volume}',
  'POST /nodes/{node}/qemu',
  'GET /nodes/{node}/qemu/{vmid}/config',
  'PUT /nodes/{node}/qemu/{vmid}/config',
  'GET /nodes/{node}/qemu/{vmid}/status/current',
  'POST /nodes/{node}/qemu/{vmid}/status/start',
  'POST /nodes/{node}/qemu/{vmid}/status/stop',
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown',
  'POST /nodes/{node}/qemu/{vmid}/status/suspend',
  'POST /nodes/{node}/qemu/{vmid}/status/resume',
  'POST /nodes/{node}/qemu/{vmid}/status/reset',
  'POST /nodes/{node}/qemu/{vmid}/status/reboot',
  'POST /nodes/{node}/qemu/{vmid}/template',
  'POST /nodes/{node}/qemu/{vmid}/clone',
  'GET /nodes/{node}/qemu/{vmid}/snapshot',
  'POST /nodes/{node}/qemu/{vmid}/snapshot',
  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
  'DELETE /nodes/{node}/qemu/{vmid}',
  'GET /nodes/{node}/tasks/{upid}/status',
  'GET /nodes/{node}/tasks/{upid}/log',
  'GET /pools',
  'POST /pools',
  'DELETE /pools/{poolid}',
  'GET /access/users',
  'POST /access/users',
  'DELETE /access/users/{userid}',
  'GET /access/acl',
  'PUT /access/acl',
  'GET /access/permissions',
]
const KEEP = ['type', 'optional', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength']

const [file, source] = process.argv.slice(2)
if (!file || !source) {
  console.error('usage: extract-params.mjs APIDATA_JS "pve-docs COMMIT"')
  process.exit(2)
}
const schema = new Function(`${readFileSync(file, 'utf8')}; return apiSchema`)()
const byPath = {}
const walk = (nodes) => {
  for (const n of nodes) {
    byPath[n.path] = n
    if (n.children) walk(n.children)
  }
}
walk(schema)
const endpoints = {}
for (const e of ENDPOINTS) {
  const [method, path] = e.split(' ')
  const info = byPath[path]?.info?.[method]
  if (!info) throw new Error(`the schema has no ${e}`)
  const params = {}
  for (const [name, p] of Object.entries(info.parameters?.properties ?? {})) {
    const kept = Object.fromEntries(KEEP.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]))
    // Only string-named formats are checked; the rest (drive strings, net strings) are the handler's business.
    if (typeof p.format === 'string' && p.format === 'urlencoded') kept.format = 'urlencoded'
    params[name] = kept
  }
  endpoints[e] = { params, returns: info.returns?.type ?? 'null' }
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'api-params.json')
writeFileSync(out, `${JSON.stringify({ source, endpoints }, null, 1)}\n`)
console.log(`${out}: ${ENDPOINTS.length} endpoints`)
