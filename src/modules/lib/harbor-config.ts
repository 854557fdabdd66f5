/**
 * harbor.yml, made from the installer's own harbor.yml.tmpl so that every other setting keeps the defaults of
 * the Harbor version being installed: only hostname, http.port, the admin password and data_volume are
 * set, and the `https:` block is commented out (a lab serves plain HTTP, with no certificate to provide).
 */
import { LabError } from '../../util/errors.js'

export interface HarborSettings {
  hostname: string
  httpPort: number
  /** The admin password as a YAML scalar (see yamlScalar), so that a kept value is written back byte for byte. */
  adminPassword: string
  dataVolume: string
}

const TOP_LEVEL = /^\S/
const PASSWORD_LINE = /^harbor_admin_password:[ \t]*(.*?)[ \t]*$/m

/** A plain scalar when it is one, otherwise a double-quoted (JSON) string, which YAML reads the same. */
export function yamlScalar(value: string): string {
  return /^[A-Za-z0-9_/.][A-Za-z0-9_/.-]*$/.test(value) ? value : JSON.stringify(value)
}

export function renderHarborYml(template: string, s: HarborSettings): string {
  const seen = new Set<string>()
  let block: 'http' | 'https' | undefined
  const out = template.split('\n').map((line) => {
    if (TOP_LEVEL.test(line)) {
      block = /^https:\s*(#.*)?$/.test(line) ? 'https' : /^http:\s*(#.*)?$/.test(line) ? 'http' : undefined
    }
    if (block === 'https') return line.trim() === '' ? line : `# ${line}`
    if (block === 'http') {
      const port = /^(\s+)port:/.exec(line)
      if (port && !seen.has('http.port')) {
        seen.add('http.port')
        return `${port[1]}port: ${s.httpPort}`
      }
      return line
    }
    for (const [key, value] of [
      ['hostname', s.hostname],
      ['harbor_admin_password', s.adminPassword],
      ['data_volume', yamlScalar(s.dataVolume)],
    ] as const) {
      if (line.startsWith(`${key}:`)) {
        seen.add(key)
        return `${key}: ${value}`
      }
    }
    return line
  })
  const missing = ['hostname', 'http.port', 'harbor_admin_password', 'data_volume'].filter((k) => !seen.has(k))
  if (missing.length) {
    throw new LabError(`the installer's harbor.yml.tmpl has no ${missing.join(', ')} setting`, {
      hint: 'lab knows the harbor.yml.tmpl of Harbor 2.x offline installers; check that the installer is one',
    })
  }
  return out.join('\n')
}

/** The admin password scalar of an existing harbor.yml (kept: Harbor reads it on the first install only). */
export function adminPasswordOf(yml: string): string | undefined {
  return PASSWORD_LINE.exec(yml)?.[1]
}

/** The file with its admin password hidden, for diffs and logs. */
export function maskPassword(yml: string): string {
  return yml.replace(PASSWORD_LINE, 'harbor_admin_password: ********')
}
