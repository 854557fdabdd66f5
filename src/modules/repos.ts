/**
 * repos: package repositories that work. CentOS 7's mirrors are gone, so its OS repositories point at the
 * vault; with `mirror`, the OS repositories of every family point at the lab's local mirror instead.
 * Other repository files (docker-ce, EPEL…) are left alone.
 */
import type { Change, Facts, Module } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { LabError } from '../util/errors.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'
import { fileChange, fileSection, parseFileSection, writeFile, type RemoteFile, type WantedFile } from './lib/remote-file.js'
import { APT_UPDATE } from './lib/packages.js'
import { expectConverged } from './lib/converged.js'
import { changeKeys } from './lib/change-keys.js'

type Options = ModuleOptions<'repos'>
type Key = `file:${string}` | 'refresh'

export interface ReposProbe {
  files: RemoteFile[]
  /** Debian's release codename (bookworm), for the mirror's suites. */
  codename?: string
}

const YUM_REPOS = '/etc/yum.repos.d'
export const CENTOS7_REPO = `${YUM_REPOS}/CentOS-Base.repo`
export const SOURCES_LIST = '/etc/apt/sources.list'
export const DEBIAN_SOURCES = '/etc/apt/sources.list.d/debian.sources'
const VAULT = 'http://vault.centos.org'

/**
 * Where each OS repository lives below a mirror's root, by os-release ID and repository id: the
 * distribution's own layout, so a mirror of its tree (or a caching proxy in front of it) serves it.
 */
const EL_LAYOUT: Record<string, Record<string, string>> = {
  rocky: { baseos: '$releasever/BaseOS/$basearch/os/', appstream: '$releasever/AppStream/$basearch/os/', extras: '$releasever/extras/$basearch/os/' },
  almalinux: { baseos: '$releasever/BaseOS/$basearch/os/', appstream: '$releasever/AppStream/$basearch/os/', extras: '$releasever/extras/$basearch/os/' },
  centos: {
    baseos: '$releasever-stream/BaseOS/$basearch/os/',
    appstream: '$releasever-stream/AppStream/$basearch/os/',
    'extras-common': 'SIGs/$releasever-stream/extras/$basearch/extras-common/',
  },
}

function join(root: string, path: string): string {
  return `${root.replace(/\/+$/, '')}/${path}`
}

/** CentOS-Base.repo with base, updates and extras, in the very form the kickstart's %post writes it. */
export function centos7Repo(root: string): string {
  return ['os', 'updates', 'extras']
    .map((r) => {
      const id = r === 'os' ? 'base' : r
      return `[${id}]\nname=CentOS-7.9.2009 - ${id}\nbaseurl=${join(root, `7.9.2009/${r}/x86_64/`)}\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7\n\n`
    })
    .join('')
}

/**
 * A .repo file with its OS sections pointed at the mirror: `baseurl` set (the first one, commented or not,
 * is reused so the line stays in place), `mirrorlist` and `metalink` commented out. Other sections and
 * every other line stay as they were.
 */
export function pointAtMirror(text: string, layout: Record<string, string>, mirror: string): string {
  const out: string[] = []
  let section: string | undefined
  let headerAt = -1
  let baseurlDone = false
  const finishSection = (): void => {
    // A section with only a metalink (CentOS Stream) gets its baseurl under the header.
    const path = section === undefined ? undefined : layout[section]
    if (path !== undefined && !baseurlDone) out.splice(headerAt + 1, 0, `baseurl=${join(mirror, path)}`)
  }
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header) {
      finishSection()
      section = header[1]
      headerAt = out.length
      baseurlDone = false
      out.push(line)
      continue
    }
    const path = section === undefined ? undefined : layout[section]
    if (path === undefined) {
      out.push(line)
    } else if (/^\s*#?\s*baseurl\s*=/.test(line) && !baseurlDone) {
      out.push(`baseurl=${join(mirror, path)}`)
      baseurlDone = true
    } else if (/^\s*(mirrorlist|metalink|baseurl)\s*=/.test(line)) {
      out.push(`#${line}`)
    } else {
      out.push(line)
    }
  }
  finishSection()
  return out.join('\n')
}

/** sources.list with its active lines commented out: the mirror's debian.sources replaces them. */
export function sourcesListOff(text: string): string {
  return text.replace(/^(\s*deb(-src)?\s)/gm, '# vmlab: $1')
}

export function debianSources(mirror: string, codename: string): string {
  return [
    "# Written by vmlab: packages come from the lab's mirror (security updates are not mirrored).",
    'Types: deb',
    `URIs: ${mirror}`,
    `Suites: ${codename} ${codename}-updates`,
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n')
}

interface FileGoal {
  current: RemoteFile
  wanted: WantedFile
  why: string
}

/** What each probed file should hold; the same answer for plan and apply. */
function goals(facts: Facts, options: Options, p: ReposProbe): FileGoal[] {
  const mirror = options.mirror
  const why = mirror === undefined ? 'CentOS 7 mirrors are gone: its packages live on vault.centos.org' : `packages come from the lab's mirror ${mirror}`
  if (facts.family === 'el7') {
    return p.files.map((current) => ({ current, wanted: { path: CENTOS7_REPO, content: centos7Repo(mirror ?? VAULT), mode: 0o644 }, why }))
  }
  if (mirror === undefined) return []
  if (facts.family === 'debian') {
    return p.files.map((current) => {
      const content = current.path === SOURCES_LIST ? sourcesListOff(current.content ?? '') : debianSources(mirror, p.codename ?? '')
      return { current, wanted: { path: current.path, content, mode: 0o644 }, why }
    })
  }
  const layout = EL_LAYOUT[facts.id]!
  // The probe read these files' content only; their mode stays as it is.
  return p.files.map((current) => ({ current, wanted: { path: current.path, content: pointAtMirror(current.content ?? '', layout, mirror) }, why }))
}

/** The command that reads the repositories again after a change, for the plan's text and for apply. */
function refreshCommands(facts: Facts): string[][] {
  switch (facts.packageManager) {
    case 'yum':
      // yum keeps its metadata per repository id, whatever the URL: clean it, or it keeps the old mirror's.
      return [
        ['yum', 'clean', 'all'],
        ['yum', '-y', 'makecache', 'fast'],
      ]
    case 'dnf':
      return [['dnf', '-y', 'makecache']]
    case 'apt':
      return [APT_UPDATE]
  }
}

/** The files this node's repositories are in, or none when nothing is to be managed. */
function managedFiles(facts: Facts, options: Options): 'centos7' | 'debian' | 'el' | 'none' {
  if (facts.family === 'el7') {
    if (facts.id !== 'centos' && options.mirror === undefined) return 'none'
    if (facts.id !== 'centos') throw unknownLayout(facts)
    return 'centos7'
  }
  if (options.mirror === undefined) return 'none'
  if (facts.family === 'debian') {
    if (facts.id !== 'debian') throw unknownLayout(facts)
    return 'debian'
  }
  if (EL_LAYOUT[facts.id] === undefined) throw unknownLayout(facts)
  return 'el'
}

function unknownLayout(facts: Facts): LabError {
  return new LabError(`repos: lab does not know the repository layout of ${facts.prettyName || facts.id}, so it cannot point it at a mirror`, {
    hint: `remove mirror: from the repos module, or use ${['CentOS 7', ...Object.keys(EL_LAYOUT), 'debian'].join(', ')}`,
  })
}

export function reposModule(): Module<Options, ReposProbe, Key> {
  const repos: Module<Options, ReposProbe, Key> = {
    name: 'repos',

    async probe(ctx) {
      const which = managedFiles(ctx.facts, ctx.options)
      const node = ctx.node.name
      if (which === 'none') return { files: [] }
      if (which === 'centos7') {
        const s = await probeSections(ctx.guest, node, { repo: fileSection(CENTOS7_REPO) })
        return { files: [parseFileSection(CENTOS7_REPO, s.repo.out)] }
      }
      if (which === 'debian') {
        const s = await probeSections(ctx.guest, node, {
          list: fileSection(SOURCES_LIST),
          sources: fileSection(DEBIAN_SOURCES),
          codename: '. /etc/os-release && echo "$VERSION_CODENAME"',
        })
        const list = parseFileSection(SOURCES_LIST, s.list.out)
        const codename = s.codename.out.trim()
        if (codename === '') throw new LabError(`${node}: /etc/os-release names no VERSION_CODENAME, which the mirror's suites need`)
        return { files: [...(list.kind === 'absent' ? [] : [list]), parseFileSection(DEBIAN_SOURCES, s.sources.out)], codename }
      }
      // Repository files are named differently on every EL flavour: read them all in one go.
      const s = await probeSections(ctx.guest, node, {
        repos: `for f in ${YUM_REPOS}/*.repo; do [ -f "$f" ] || continue; echo "file $f"; base64 -w0 -- "$f"; echo; done`,
      })
      const files: RemoteFile[] = []
      const lines = s.repos.out.split('\n')
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const path = /^file (.+)$/.exec(lines[i]!)?.[1]
        if (path === undefined) throw new LabError(`${node}: cannot read the list of ${YUM_REPOS} files from the probe`)
        files.push({ path, kind: 'file', dirExists: true, content: Buffer.from(lines[i + 1]!, 'base64').toString('utf8') })
      }
      const layout = EL_LAYOUT[ctx.facts.id]!
      if (!files.some((f) => Object.keys(layout).some((id) => (f.content ?? '').includes(`[${id}]`)))) {
        throw new LabError(`${node}: no file in ${YUM_REPOS} defines the OS repositories (${Object.keys(layout).join(', ')})`, {
          hint: 'reinstall the release package (dnf reinstall <distribution>-repos) or remove mirror:',
        })
      }
      return { files }
    },

    plan(ctx, p) {
      const changes: Change<Key>[] = []
      for (const g of goals(ctx.facts, ctx.options, p)) {
        const c = fileChange(`file:${g.wanted.path}`, g.current, g.wanted, g.why)
        if (c) changes.push(c)
      }
      if (changes.length) {
        const cmds = refreshCommands(ctx.facts)
        changes.push({ key: 'refresh', what: `refresh the package metadata (${cmds.map((c) => c.join(' ')).join(' && ')})`, why: 'the repositories changed' })
      }
      return changes
    },

    async apply(ctx, changes, p) {
      const keys = changeKeys(changes)
      for (const g of goals(ctx.facts, ctx.options, p)) {
        if (keys.has(`file:${g.wanted.path}`)) await writeFile(ctx.guest, ctx.node.name, ctx.facts, g.current, g.wanted)
      }
      if (keys.has('refresh')) for (const cmd of refreshCommands(ctx.facts)) await must(ctx.guest, ctx.node.name, cmd)
    },

    verify(ctx, run) {
      return expectConverged(repos, ctx, run)
    },
  }
  return repos
}

export default reposModule()
