import { readFile } from 'node:fs/promises'

/** Where Debian packages come from when the host gives no better answer. */
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian'

function usableUri(uri: string | undefined): string | undefined {
  // cdrom:, file: and mirror+file: sources cannot serve debootstrap and the guests alike.
  if (uri === undefined || !/^https?:\/\//.test(uri)) return undefined
  return uri.replace(/\/+$/, '')
}

function isMainSuite(suite: string): boolean {
  return !/-(security|updates|backports|proposed-updates)$/.test(suite) && !suite.endsWith('/updates')
}

/** The main archive's URI in a deb822 `.sources` file (apt's format since Debian 12). */
export function mirrorFromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>()
    let last: string | undefined
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue
      if (/^\s/.test(line) && last !== undefined) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`)
        continue
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line)
      if (m?.[1] === undefined) continue
      last = m[1].toLowerCase()
      fields.set(last, (m[2] ?? '').trim())
    }
    const words = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter(Boolean)
    if (!words('types').includes('deb')) continue
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue
    if (!words('suites').some(isMainSuite)) continue
    const uri = usableUri(words('uris')[0])
    if (uri !== undefined) return uri
  }
  return undefined
}

/** The main archive's URI in a one-line-style `sources.list`. */
export function mirrorFromSourcesList(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim()
    // deb [arch=amd64 signed-by=…] URI suite components…
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line)
    if (m?.[1] === undefined || m[2] === undefined || !isMainSuite(m[2])) continue
    const uri = usableUri(m[1])
    if (uri !== undefined) return uri
  }
  return undefined
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return ''
  }
}

/**
 * The Debian mirror this host already uses (a local mirror or proxy is often configured there),
 * or Debian's redirector. Only a Debian host's sources count: Ubuntu's archive has no bookworm.
 */
export async function hostDebianMirror(etc = '/etc'): Promise<string> {
  const osRelease = await readOrEmpty(`${etc}/os-release`)
  if (!/^ID=("?)debian\1$/m.test(osRelease)) return DEFAULT_DEBIAN_MIRROR
  return mirrorFromDeb822(await readOrEmpty(`${etc}/apt/sources.list.d/debian.sources`)) ?? mirrorFromSourcesList(await readOrEmpty(`${etc}/apt/sources.list`)) ?? DEFAULT_DEBIAN_MIRROR
}

/**
 * The same mirror as the guests see it: the host's loopback is 10.0.2.2 behind QEMU's
 * user-mode NAT, so a proxy on the teacher's machine keeps working inside the lab.
 */
export function mirrorForGuest(mirror: string): string {
  return mirror.replace(/^(https?:\/\/)(?:localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)/, '$110.0.2.2')
}
