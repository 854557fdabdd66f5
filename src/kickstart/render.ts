import { LabError } from '../util/errors.js'
import { checkKickstart } from './check.js'
import type { AgentFile, KickstartInput } from './input.js'
import { CENTOS7_VAULT } from './input.js'
import { assertValidInput } from './input-check.js'
import { kickstartTemplate, type KickstartFamily } from './templates.js'
import { prefixToNetmask } from './values.js'

/**
 * Renders the kickstart for one EL base install from kickstart/<family>.ks.hbs. The result is
 * checked with our pykickstart-rule checker before it is returned: a problem there is a bug
 * in the templates, not something to hand to the installer.
 */
export function renderKickstart(input: KickstartInput): string {
  assertValidInput(input)
  const family = input.os.family as KickstartFamily
  const rhel = input.os.rhel as 7 | 8 | 9
  // only the end is normalised: anything else could be inside an agent file's heredoc
  const text = kickstartTemplate(family)(view(input)).replace(/\n*$/, '\n')
  const problems = checkKickstart(text, rhel)
  if (problems.length > 0) {
    const list = problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')
    throw new LabError(`the generated kickstart for ${input.os.id} fails its own check:\n${list}`, {
      hint: 'this is a bug in vmlab: please report it with the lab file',
    })
  }
  return text
}

interface AgentFileView {
  path: string
  dir: string
  mode: string
  base64: boolean
  delimiter: string
  body: string
  trimNewline: boolean
}

function view(input: KickstartInput) {
  const lab = input.labNic
  const services = input.firewall.enabled ? unique(['ssh', ...input.firewall.services]) : []
  return {
    os: { id: input.os.id, title: input.os.title },
    hostname: input.hostname,
    source: input.source.kind === 'url' ? { cdrom: false, url: input.source.url, repos: input.source.repos } : { cdrom: true, url: '', repos: [] },
    lang: input.lang,
    // translations to keep: the language part of the locale (en_US of en_US.UTF-8)
    instLangs: input.lang.replace(/[.@].*$/, ''),
    keyboard: { vconsoleKeymap: input.keyboard.vconsoleKeymap, xLayouts: input.keyboard.xLayouts.join(',') },
    timezone: input.timezone,
    ntpServers: input.ntpServers,
    ntpServersJoined: input.ntpServers.join(','),
    natDevice: input.natNic.mac ?? 'link',
    lab: {
      mac: lab.mac,
      ip: lab.ip,
      netmask: prefixToNetmask(lab.prefix),
      gateway: lab.gateway ?? '',
      nameservers: lab.nameservers.join(','),
    },
    rootPasswordHash: input.rootPasswordHash,
    rootSshKey: input.rootSshKey,
    user: {
      name: input.user.name,
      passwordHash: input.user.passwordHash,
      sshKey: input.user.sshKey,
      sudo: input.user.sudo,
      sshDir: `/home/${input.user.name}/.ssh`,
      authorizedKeys: `/home/${input.user.name}/.ssh/authorized_keys`,
      owner: `${input.user.name}:${input.user.name}`,
      sudoersFile: `/etc/sudoers.d/vmlab-${input.user.name}`,
      sudoersLine: `${input.user.name} ALL=(ALL) NOPASSWD: ALL`,
    },
    selinux: input.selinux,
    firewall: {
      enabled: input.firewall.enabled,
      // SSH is how vmlab reaches the node: it is always open
      services: services.join(','),
      ports: input.firewall.ports.map((p) => `${p.port}:${p.protocol}`).join(','),
    },
    disk: input.disk.device ?? '',
    // aarch64 machines boot UEFI only: the storage partial asks for an EFI system partition, not a BIOS boot one.
    efi: input.os.arch === 'aarch64',
    packages: unique(input.packages),
    agentFiles: input.agent.files.map(agentFileView),
    agentPaths: input.agent.files.map((f) => f.path),
    enableUnits: input.agent.enableUnits,
    el7Repos: el7Repos(input),
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items)]
}

/**
 * %post writes each agent file with a quoted heredoc, so nothing in it is expanded. Two kinds
 * of content cannot go through a heredoc and are base64-encoded instead: CR or NUL bytes, and
 * lines starting with `%`, which the kickstart parser reads as %end or a section header even
 * inside %post.
 */
function agentFileView(file: AgentFile): AgentFileView {
  const lines = file.content.split('\n')
  const base64 = /[\r\0]/.test(file.content) || lines.some((l) => /^\s*%/.test(l))
  let body: string
  if (base64) {
    const encoded = Buffer.from(file.content, 'utf8').toString('base64')
    body = encoded === '' ? '' : `${encoded.match(/.{1,76}/g)?.join('\n')}\n`
  } else {
    body = file.content === '' || file.content.endsWith('\n') ? file.content : `${file.content}\n`
  }
  let delimiter = 'VMLAB_EOF'
  for (let n = 1; body.includes(delimiter); n++) delimiter = `VMLAB_EOF_${n}`
  return {
    path: file.path,
    dir: file.path.slice(0, file.path.lastIndexOf('/')) || '/',
    mode: file.mode.toString(8).padStart(4, '0'),
    base64,
    delimiter,
    body,
    // the heredoc always ends its last line; cut the newline the content did not have
    trimNewline: !base64 && file.content !== '' && !file.content.endsWith('\n'),
  }
}

/**
 * CentOS 7's own repo file points at mirrorlist.centos.org, which is gone: the installed system
 * gets the repositories it was installed from (the vault by default).
 */
function el7Repos(input: KickstartInput): { id: string; baseurl: string }[] {
  if (input.os.family !== 'el7') return []
  if (input.source.kind === 'url') {
    return [{ id: 'base', baseurl: input.source.url }, ...input.source.repos.map((r) => ({ id: r.name, baseurl: r.baseurl }))]
  }
  return ['os', 'updates', 'extras'].map((r) => ({ id: r === 'os' ? 'base' : r, baseurl: `${CENTOS7_VAULT}/${r}/x86_64/` }))
}
