import { isSha512CryptHash } from './password.js'
import { splitKickstartLine } from './shlex.js'
import { COMMANDS, SECTIONS, minimalEnvironment, statusIn, type CommandSpec, type Life, type OptionSpec, type Rhel } from './syntax.js'
import { isFqdn, isIPv4, isInstallUrl, isMac, isNetmask, isNetworkOrBroadcast, isNtpServer, isSshPublicKey, isUserName, sameSubnet } from './values.js'

/**
 * Our kickstart checker: pykickstart (ksvalidator) cannot be installed here, so this encodes
 * its rules for RHEL 7/8/9 — which commands, options and sections exist, which are deprecated
 * or removed, how a line is split — plus the checks the parser leaves to us (addresses, host
 * names, hashes, keys). A deprecation counts as a failure: the next release makes it an error.
 */

export interface KickstartProblem {
  line: number
  severity: 'error' | 'deprecated'
  message: string
}

interface Command {
  name: string
  line: number
  options: Map<string, string | true>
  args: string[]
}

type Report = (line: number, message: string, severity?: KickstartProblem['severity']) => void

const PARTITIONING = ['part', 'partition', 'raid', 'volgroup', 'logvol', 'reqpart', 'mount']
const HTML_ENTITY = /&(#x[0-9a-f]+|#[0-9]+|quot|amp|lt|gt|apos);/i

export function checkKickstart(text: string, rhel: Rhel): KickstartProblem[] {
  const problems: KickstartProblem[] = []
  const report: Report = (line, message, severity = 'error') => problems.push({ line, severity, message })

  let body = text
  if (body.startsWith('\uFEFF')) {
    report(1, 'the file starts with a byte-order mark: Anaconda reads it as part of the first command; save as UTF-8 without BOM')
    body = body.slice(1)
  }
  const lines = body.split('\n')
  const crlf = lines.findIndex((l) => l.includes('\r'))
  if (crlf >= 0) {
    const count = lines.filter((l) => l.includes('\r')).length
    report(crlf + 1, `carriage return (CRLF line ending) on ${count} line(s): %post scripts break under bash; use LF only`)
  }

  const commands: Command[] = []
  let section: { name: string; line: number } | undefined

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const line = (lines[i] as string).replace(/\r$/, '')
    const trimmed = line.trim()

    if (section) {
      if (trimmed.startsWith('%')) {
        // pykickstart looks at the first word of any line starting with % inside a section
        const first = trimmed.split(/\s+/)[0] as string
        if (first === '%end') {
          section = undefined
          continue
        }
        if (first === '%include' || first === '%ksappend') {
          report(lineNo, `${first} is not followed by this checker: inline the file`)
          continue
        }
        if (Object.hasOwn(SECTIONS, first)) {
          report(section.line, `section ${section.name} does not end with %end before ${first} on line ${lineNo}`)
          section = undefined
          // fall through: the line opens the next section
        } else {
          if (section.name === '%packages') checkPackageLine(trimmed, lineNo, rhel, report)
          continue
        }
      } else {
        if (section.name === '%packages') checkPackageLine(trimmed, lineNo, rhel, report)
        continue
      }
    }

    if (trimmed === '' || trimmed.startsWith('#')) continue
    if (HTML_ENTITY.test(line)) {
      report(lineNo, `HTML entity "${HTML_ENTITY.exec(line)?.[0]}": the template was rendered with HTML escaping (compile it with noEscape)`)
    }
    const split = splitKickstartLine(line)
    if (split.error) {
      report(lineNo, `${split.error}: unbalanced quote or trailing backslash`)
      // still counts as present, so no "missing command" follows from the same typo
      const name = split.words[0]
      if (name !== undefined && Object.hasOwn(COMMANDS, name)) commands.push({ name, line: lineNo, options: new Map(), args: [] })
      continue
    }
    if (split.cutAt) {
      report(lineNo, `unquoted "#" starts a comment: "${split.cutAt.word}${split.cutAt.rest}" is read as "${split.cutAt.word}"; quote the value`)
    }
    const words = split.words
    const name = words[0]
    if (name === undefined) continue

    if (name.startsWith('%')) {
      if (name === '%end') {
        report(lineNo, '%end without an open section')
      } else if (name === '%include' || name === '%ksappend') {
        report(lineNo, `${name} is not followed by this checker: inline the file`)
      } else if (Object.hasOwn(SECTIONS, name)) {
        const spec = SECTIONS[name]
        if (spec && lifeProblem(`section ${name}`, spec, rhel, lineNo, report) === 'ok' && spec.options) {
          parseOptions(name, words.slice(1), spec.options, rhel, lineNo, report)
        }
        section = { name, line: lineNo }
      } else {
        report(lineNo, `unknown section "${name}"`)
        section = { name, line: lineNo }
      }
      continue
    }

    const cmd = checkCommand(name, words.slice(1), rhel, lineNo, report)
    if (cmd) commands.push(cmd)
  }

  if (section) report(section.line, `section ${section.name} does not end with %end`)
  checkWholeFile(commands, rhel, report)
  return problems.sort((a, b) => a.line - b.line)
}

function lifeProblem(what: string, life: Life, rhel: Rhel, line: number, report: Report): 'ok' | 'stop' {
  const status = statusIn(life, rhel)
  const instead = life.instead ? `: ${life.instead}` : ''
  switch (status) {
    case 'ok':
      return 'ok'
    case 'deprecated':
      report(line, `${what} is deprecated in RHEL ${rhel}${instead}`, 'deprecated')
      return 'stop'
    case 'removed':
      report(line, `${what} was removed in RHEL ${life.removed}${instead}`)
      return 'stop'
    case 'absent':
      report(line, `${what} does not exist in RHEL ${rhel} (it comes with RHEL ${life.since})${instead}`)
      return 'stop'
  }
}

function checkCommand(name: string, words: string[], rhel: Rhel, line: number, report: Report): Command | undefined {
  // own keys only: a line saying "constructor" must not find Object's
  const spec: CommandSpec | undefined = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!spec) {
    const hint = /^(inst\.)?(ks|repo|stage2|text|lang|keymap)=|^inst\./.test(name) ? ': boot options like inst.ks= go on the kernel command line, not in the kickstart' : ''
    report(line, `unknown command "${name}"${hint}`)
    return undefined
  }
  // deprecated commands are ignored by Anaconda, removed and unknown ones fail: no point in
  // checking their options
  if (lifeProblem(`"${name}"`, spec, rhel, line, report) === 'stop') return undefined
  const cmd: Command = { name, line, options: new Map(), args: [] }
  if (!spec.options) return cmd

  const parsed = parseOptions(name, words, spec.options, rhel, line, report)
  cmd.options = parsed.options
  cmd.args = parsed.args
  for (const opt of spec.required ?? []) {
    if (!cmd.options.has(opt)) report(line, `${name} needs ${opt}`)
  }
  const [min, max] = spec.args ?? [0, 0]
  if (cmd.args.length < min || cmd.args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`
    // an unquoted value with spaces ends up here: its pieces are not worth checking
    report(line, `${name} takes ${expected} argument(s) besides options, got ${cmd.args.length}: ${cmd.args.join(' ')}`)
    return cmd
  }
  if (Object.hasOwn(SEMANTICS, name)) SEMANTICS[name]?.(cmd, rhel, report)
  return cmd
}

const KSBOOLEAN = ['on', 'yes', 'true', '1', 'off', 'no', 'false', '0']

function parseOptions(what: string, words: string[], specs: Record<string, OptionSpec>, rhel: Rhel, line: number, report: Report): { options: Map<string, string | true>; args: string[] } {
  const options = new Map<string, string | true>()
  const args: string[] = []
  const looksLikeOption = (w: string): boolean => w.startsWith('-') && w.length > 1 && !/^-[0-9]/.test(w)
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    if (!looksLikeOption(word)) {
      args.push(word)
      continue
    }
    const eq = word.indexOf('=')
    const opt = eq < 0 ? word : word.slice(0, eq)
    let value: string | undefined = eq < 0 ? undefined : word.slice(eq + 1)
    const spec = specs[opt]
    if (!spec) {
      report(line, `${what}: unknown option "${opt}"${suggest(opt, Object.keys(specs))}`)
      continue
    }
    lifeProblem(`${what} ${opt}`, spec, rhel, line, report)
    const status = statusIn(spec, rhel)
    if (status === 'removed' || status === 'absent') {
      // skip its value too, so it is not mistaken for an argument
      if (spec.value && value === undefined && words[i + 1] !== undefined && !looksLikeOption(words[i + 1] as string)) i++
      continue
    }
    if (!spec.value) {
      if (value !== undefined) report(line, `${what}: ${opt} takes no value (got "${value}")`)
      options.set(opt, true)
      continue
    }
    if (value === undefined) {
      const next = words[i + 1]
      if (next === undefined || looksLikeOption(next)) {
        report(line, `${what}: ${opt} expects a value`)
        continue
      }
      value = next
      i++
    }
    if (spec.boolean && !KSBOOLEAN.includes(value.toLowerCase())) {
      report(line, `${what}: ${opt}=${value} is not a boolean (yes/no, on/off, true/false, 1/0)`)
    }
    const choices = spec.choices?.(rhel)
    if (choices && !choices.includes(value)) {
      report(line, `${what}: ${opt}=${value} is not valid in RHEL ${rhel} (one of ${choices.join(', ')})`)
    }
    options.set(opt, value)
  }
  return { options, args }
}

/** " (did you mean --ip?)" for a near miss such as --ipaddr. */
function suggest(opt: string, known: string[]): string {
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    const d = k.startsWith(opt) || opt.startsWith(k) ? 1 : editDistance(opt, k)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best ? ` (did you mean ${best}?)` : ''
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length] as number
}

function checkPackageLine(trimmed: string, line: number, rhel: Rhel, report: Report): void {
  const item = (trimmed.split('#')[0] as string).trim()
  if (!item.startsWith('@^')) return
  const env = item.slice(2)
  const minimal = minimalEnvironment(rhel)
  if ((env === 'minimal' || env === 'minimal-environment') && env !== minimal) {
    report(line, `environment @^${env} does not exist in RHEL ${rhel}: the minimal install is @^${minimal}`)
  }
}

const str = (cmd: Command, opt: string): string | undefined => {
  const v = cmd.options.get(opt)
  return typeof v === 'string' ? v : undefined
}

function checkHash(what: string, hash: string, line: number, report: Report): void {
  if (!isSha512CryptHash(hash)) {
    report(line, `${what}: not a SHA-512-crypt hash ($6$salt$…): EL7, EL8 and EL9 all accept $6$, other formats not everywhere`)
  }
}

const SEMANTICS: Record<string, (cmd: Command, rhel: Rhel, report: Report) => void> = {
  network(cmd, _rhel, report) {
    const ip = str(cmd, '--ip')
    const netmask = str(cmd, '--netmask')
    const gateway = str(cmd, '--gateway')
    const device = str(cmd, '--device')
    const hostname = str(cmd, '--hostname')
    if (ip !== undefined && !isIPv4(ip)) report(cmd.line, `network: --ip=${ip} is not an IPv4 address`)
    if (netmask !== undefined && !isNetmask(netmask)) report(cmd.line, `network: --netmask=${netmask} is not a dotted netmask`)
    if (gateway !== undefined && !isIPv4(gateway)) report(cmd.line, `network: --gateway=${gateway} is not an IPv4 address`)
    if (ip && netmask && isIPv4(ip) && isNetmask(netmask)) {
      if (isNetworkOrBroadcast(ip, netmask)) report(cmd.line, `network: ${ip} is the network or broadcast address of its subnet`)
      if (gateway && isIPv4(gateway) && !sameSubnet(ip, gateway, netmask)) {
        report(cmd.line, `network: gateway ${gateway} is outside ${ip}/${netmask}`)
      }
    }
    for (const ns of str(cmd, '--nameserver')?.split(',') ?? []) {
      if (!isIPv4(ns) && !/^[0-9a-fA-F:]+$/.test(ns)) report(cmd.line, `network: nameserver "${ns}" is not an IP address`)
    }
    if (hostname !== undefined && !isFqdn(hostname)) {
      report(cmd.line, `network: --hostname=${hostname} is not a fully qualified name of RFC 1123 labels (like node1.localdomain)`)
    }
    if (device !== undefined && !isMac(device) && !/^[A-Za-z0-9_.-]{1,15}$/.test(device)) {
      report(cmd.line, `network: --device=${device} is neither a MAC address nor an interface name`)
    }
    if (str(cmd, '--bootproto') === 'static' && (ip === undefined || netmask === undefined)) {
      report(cmd.line, 'network: --bootproto=static needs --ip and --netmask')
    }
    const mtu = str(cmd, '--mtu')
    if (mtu !== undefined && !/^[0-9]+$/.test(mtu)) report(cmd.line, `network: --mtu=${mtu} is not a number`)
  },

  rootpw(cmd, _rhel, report) {
    const password = cmd.args[0]
    if (password === undefined) {
      if (!cmd.options.has('--lock')) report(cmd.line, 'rootpw needs a password (or --lock)')
      return
    }
    if (cmd.options.has('--iscrypted') && !cmd.options.has('--plaintext')) checkHash('rootpw', password, cmd.line, report)
    else report(cmd.line, 'rootpw: plain-text password in the kickstart; use --iscrypted with a $6$ hash')
  },

  user(cmd, _rhel, report) {
    const name = str(cmd, '--name')
    if (name !== undefined && !isUserName(name)) report(cmd.line, `user: "${name}" is not a valid user name`)
    const password = str(cmd, '--password')
    if (password === undefined) return
    if (cmd.options.has('--iscrypted') && !cmd.options.has('--plaintext')) checkHash('user --password', password, cmd.line, report)
    else report(cmd.line, 'user: plain-text password in the kickstart; use --iscrypted with a $6$ hash')
  },

  sshkey(cmd, _rhel, report) {
    const key = cmd.args[0]
    if (key !== undefined && !isSshPublicKey(key)) {
      report(cmd.line, 'sshkey: not an OpenSSH public key line ("TYPE BASE64 [comment]", quoted)')
    }
  },

  timezone(cmd, _rhel, report) {
    const zone = cmd.args[0]
    if (zone === undefined && cmd.options.size === 0) report(cmd.line, 'timezone needs a time zone')
    if (zone !== undefined && !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(zone)) {
      report(cmd.line, `timezone: "${zone}" is not a time zone name (like Europe/Paris or Etc/UTC)`)
    }
    const servers = str(cmd, '--ntpservers')
    if (servers !== undefined && cmd.options.has('--nontp')) report(cmd.line, 'timezone: --nontp and --ntpservers exclude each other')
    for (const s of servers?.split(',') ?? []) {
      if (!isNtpServer(s)) report(cmd.line, `timezone: NTP server "${s}" is not a host name or IPv4 address`)
    }
  },

  timesource(cmd, _rhel, report) {
    const used = ['--ntp-server', '--ntp-pool', '--ntp-disable'].filter((o) => cmd.options.has(o))
    if (used.length !== 1) report(cmd.line, 'timesource takes exactly one of --ntp-server, --ntp-pool, --ntp-disable')
    for (const opt of ['--ntp-server', '--ntp-pool']) {
      const v = str(cmd, opt)
      if (v !== undefined && !isNtpServer(v)) report(cmd.line, `timesource: ${opt}=${v} is not a host name or IPv4 address`)
    }
  },

  url(cmd, _rhel, report) {
    const used = ['--url', '--mirrorlist', '--metalink'].filter((o) => cmd.options.has(o))
    if (used.length !== 1) report(cmd.line, 'url takes exactly one of --url, --mirrorlist, --metalink')
    for (const opt of used) {
      const v = str(cmd, opt)
      if (v !== undefined && !isInstallUrl(v)) report(cmd.line, `url: ${opt}=${v} is not an http(s), ftp or nfs URL`)
    }
  },

  repo(cmd, _rhel, report) {
    const used = ['--baseurl', '--mirrorlist', '--metalink'].filter((o) => cmd.options.has(o))
    if (used.length > 1) report(cmd.line, `repo: ${used.join(' and ')} exclude each other`)
    for (const opt of used) {
      const v = str(cmd, opt)
      if (v !== undefined && !isInstallUrl(v)) report(cmd.line, `repo: ${opt}=${v} is not an http(s), ftp or nfs URL`)
    }
  },

  firewall(cmd, _rhel, report) {
    for (const p of str(cmd, '--port')?.split(',') ?? []) {
      if (!/^([0-9]{1,5}(-[0-9]{1,5})?|[a-z][a-z0-9-]*)(:(tcp|udp|sctp|dccp))?$/.test(p)) {
        report(cmd.line, `firewall: --port entry "${p}" is not PORT[:PROTOCOL]`)
      }
    }
  },

  cmdline(cmd, _rhel, report) {
    if (cmd.options.has('--non-interactive')) report(cmd.line, 'cmdline does not take --non-interactive')
  },

  keyboard(cmd, _rhel, report) {
    if (cmd.args.length === 0 && !cmd.options.has('--vckeymap') && !cmd.options.has('--xlayouts')) {
      report(cmd.line, 'keyboard needs --vckeymap or --xlayouts')
    }
  },

  bootloader(cmd, _rhel, report) {
    const timeout = str(cmd, '--timeout')
    if (timeout !== undefined && !/^[0-9]+$/.test(timeout)) report(cmd.line, `bootloader: --timeout=${timeout} is not a number`)
  },
}

function checkWholeFile(commands: Command[], rhel: Rhel, report: Report): void {
  const first = new Map<string, Command>()
  const devices = new Map<string, number>()
  for (const cmd of commands) {
    const spec = COMMANDS[cmd.name] as CommandSpec
    if (!spec.repeatable) {
      const key = spec.group ?? cmd.name
      const earlier = first.get(key)
      if (earlier) report(cmd.line, `"${cmd.name}" again (after "${earlier.name}" on line ${earlier.line}): only the last one counts`)
      else first.set(key, cmd)
    }
    const device = cmd.name === 'network' ? str(cmd, '--device') : undefined
    if (device !== undefined) {
      const earlier = devices.get(device.toLowerCase())
      if (earlier !== undefined) report(cmd.line, `network: device ${device} is already configured on line ${earlier}`)
      else devices.set(device.toLowerCase(), cmd.line)
    }
  }

  const seen = (name: string): Command | undefined => commands.find((c) => c.name === name)
  const autopart = seen('autopart')
  const manual = commands.find((c) => PARTITIONING.includes(c.name))
  if (autopart && manual) report(manual.line, `"${manual.name}" and autopart (line ${autopart.line}) cannot be used together`)

  const missing: [boolean, string][] = [
    [!seen('rootpw'), 'rootpw: the installer would ask for the root password'],
    [!autopart && !manual, 'partitioning (autopart or part): the installer would ask which disks to use'],
    [!seen('bootloader'), 'bootloader'],
    [!['reboot', 'poweroff', 'shutdown'].some(seen), 'reboot or poweroff: without it the installer waits for a key at the end'],
    [!seen('lang'), 'lang'],
    [!seen('keyboard'), 'keyboard'],
    [!seen('timezone'), 'timezone'],
  ]
  for (const [isMissing, what] of missing) {
    if (isMissing) report(1, `missing required command ${what} (RHEL ${rhel})`)
  }
}
