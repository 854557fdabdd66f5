/**
 * The memory each VMware snapshot keeps, read from the VM's folder: the .vmsd names every snapshot's .vmsn;
 * a snapshot of a powered-on VM has a .vmem beside it (the guest's memory) and its .vmsn holds the device
 * state. A snapshot taken powered off has no .vmem: 0 bytes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { Vmx } from './vmx.js'

function size(file: string): number {
  return existsSync(file) ? statSync(file).size : 0
}

export function snapshotMemoryOf(vmxPath: string): Record<string, number> {
  const vmsd = vmxPath.replace(/\.vmx$/i, '.vmsd')
  if (!existsSync(vmsd)) return {}
  const db = Vmx.parse(readFileSync(vmsd, 'utf8'))
  const out: Record<string, number> = {}
  for (let i = 0; db.has(`snapshot${i}.uid`); i++) {
    const name = db.get(`snapshot${i}.displayName`) ?? ''
    const file = db.get(`snapshot${i}.filename`) ?? ''
    const vmsn = isAbsolute(file) ? file : join(dirname(vmxPath), file)
    const vmem = vmsn.replace(/\.vmsn$/i, '.vmem')
    out[name] = existsSync(vmem) ? size(vmem) + size(vmsn) : 0
  }
  return out
}
