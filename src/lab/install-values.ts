/**
 * The values a lab file gives that end up in a kickstart line or a guest account: time zone, locale,
 * keymap, packages, host and user names, NTP servers, install URLs. Each rule lives here once; the lab
 * schema applies it at `lab validate` (with file:line:col) and the kickstart renderer again before it
 * writes, so a value the installer would misread, or one that smuggles in a `%post`, never gets that far.
 * Kickstart values live on one line: no rule here lets a line break through.
 */

export function isIPv4(s: string): boolean {
  const parts = s.split('.')
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** A host name of RFC 1123 labels (one label allowed). */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false
  const labels = s.split('.')
  // an all-numeric last label would be read as an IPv4 address
  return labels.every((l) => LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1] ?? '')
}

/** A fully qualified host name: at least two RFC 1123 labels. */
export function isFqdn(s: string): boolean {
  return isHostname(s) && s.includes('.')
}

/** Unix account name as useradd accepts it on EL (lower case, no dots so sudoers.d accepts the file name). */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/

export function isUserName(s: string): boolean {
  return USER_NAME.test(s)
}

export const USER_NAME_HINT = 'a user name is 1-32 lower-case letters, digits, - and _, starting with a letter or _'

/**
 * Accounts the installed system has already, or that its packages create: `user create` for one of them
 * fails the install late, or takes over a service's identity.
 */
const SYSTEM_ACCOUNTS = new Set([
  'root',
  'bin',
  'daemon',
  'adm',
  'lp',
  'sync',
  'shutdown',
  'halt',
  'mail',
  'operator',
  'games',
  'ftp',
  'nobody',
  'nfsnobody',
  'dbus',
  'polkitd',
  'sshd',
  'chrony',
  'tss',
  'rpc',
  'rpcuser',
  'postfix',
  'unbound',
  'sssd',
  'libstoragemgmt',
  'setroubleshoot',
  'cockpit-ws',
  'cockpit-wsinstance',
  'clevis',
  'rngd',
  'avahi',
  'saslauth',
  'dockerroot',
  'systemd-coredump',
  'systemd-network',
  'systemd-resolve',
  'systemd-timesync',
  'systemd-oom',
])

export function isSystemAccount(s: string): boolean {
  return SYSTEM_ACCOUNTS.has(s) || s.startsWith('systemd-')
}

export const SYSTEM_ACCOUNT_HINT = 'that account belongs to the system itself: pick another name, like lab or student'

/** What is wrong with the name of the account a kickstart creates, or undefined when useradd takes it. */
export function userNameProblem(s: string): string | undefined {
  if (!isUserName(s)) return USER_NAME_HINT
  if (isSystemAccount(s)) return SYSTEM_ACCOUNT_HINT
  return undefined
}

/** http(s)/ftp URL, or nfs:host:/path as Anaconda's repo and url commands take it. */
export function isInstallUrl(s: string): boolean {
  if (/^nfs:\/\/?[^\s]+:\/\S*$/.test(s)) return true
  if (!/^(https?|ftp):\/\/\S+$/.test(s)) return false
  try {
    return new URL(s).hostname.length > 0
  } catch {
    return false
  }
}

/** An NTP server: a host name or an IPv4 address. */
export function isNtpServer(s: string): boolean {
  return isIPv4(s) || isHostname(s)
}

/** An Olson time zone name as `timezone` takes it: Europe/Paris, Etc/UTC, America/Argentina/Buenos_Aires. */
export function isTimezone(s: string): boolean {
  return /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(s)
}

/** A locale as `lang` takes it: en_US.UTF-8, de_DE, sr_RS@latin. */
export function isLang(s: string): boolean {
  return /^[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?$/.test(s)
}

/** A console keymap (`localectl list-keymaps`) for `keyboard --vckeymap`: us, fr, de-latin1. */
export function isKeymap(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s)
}

/** An X layout for `keyboard --xlayouts`: us, or "fr (oss)". */
export function isXLayout(s: string): boolean {
  return /^[A-Za-z0-9_-]+( \([A-Za-z0-9_-]+\))?$/.test(s)
}

/** A line of `%packages`: a package name (globs and epoch allowed), @group, @^environment, or -name to leave one out. */
export function isPackageLine(s: string): boolean {
  return /^-?@?\^?[A-Za-z0-9_.+*:-]+$/.test(s)
}

/** A rule and the fix a teacher reads when a value breaks it: the same words at validate and at render. */
export interface ValueRule {
  ok(s: string): boolean
  hint: string
}

export const TIMEZONE: ValueRule = { ok: isTimezone, hint: 'use an Olson name like Europe/Paris or Etc/UTC' }
export const LANG: ValueRule = { ok: isLang, hint: 'use a locale like en_US.UTF-8' }
export const KEYMAP: ValueRule = { ok: isKeymap, hint: 'use a name from `localectl list-keymaps`, like us or fr' }
export const X_LAYOUT: ValueRule = { ok: isXLayout, hint: 'use a layout like us or "fr (oss)"' }
/** `install.keyboard` is both the console keymap and the X layout. */
export const KEYBOARD: ValueRule = { ok: (s) => isKeymap(s) && isXLayout(s), hint: 'use a keyboard layout name like us, fr or de-latin1' }
export const PACKAGE: ValueRule = { ok: isPackageLine, hint: 'use package names (letters, digits and ._+-), @group or -name to leave one out' }
export const NTP_SERVER: ValueRule = { ok: isNtpServer, hint: 'use a host name or an IPv4 address' }
export const INSTALL_URL: ValueRule = { ok: isInstallUrl, hint: 'use an http(s), ftp or nfs URL of an installation tree' }

/** A Debian package name, all that debootstrap's --include takes (no @group, glob or -name). */
export const isDebianPackage = (name: string): boolean => /^[a-z0-9][a-z0-9+.-]+$/.test(name)
