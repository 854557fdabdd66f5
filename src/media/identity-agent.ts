import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../util/package-root.js'

export interface GuestFile {
  /** Absolute path inside the guest. */
  path: string
  mode: number
  content: string
}

/** Where the agent lives in the guest; the unit's ExecStart names this path. */
export const IDENTITY_AGENT_PATH = '/usr/local/sbin/vmlab-identity'
export const IDENTITY_UNIT = 'vmlab-identity.service'

/**
 * The identity agent and its systemd unit, for whatever builds a base image (kickstart
 * `%post`, the QEMU image builder) to install, plus the units to enable.
 */
export function identityAgentFiles(): { files: GuestFile[]; enableUnits: string[] } {
  const templates = join(packageRoot(), 'templates', 'identity')
  const read = (name: string): string => readFileSync(join(templates, name), 'utf8')
  return {
    files: [
      { path: IDENTITY_AGENT_PATH, mode: 0o755, content: read('vmlab-identity') },
      { path: `/etc/systemd/system/${IDENTITY_UNIT}`, mode: 0o644, content: read(IDENTITY_UNIT) },
    ],
    enableUnits: [IDENTITY_UNIT],
  }
}
