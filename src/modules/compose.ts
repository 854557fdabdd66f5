/**
 * A docker compose project on one node: its files copied from beside the lab file to
 * /opt/vmlab/compose/<project>/ (diffed, written atomically), and `up -d` when a file changed or a service
 * is not running. Never `down`: stopping a student's stack is the student's call. Works with the compose
 * plugin and with Debian 12's docker-compose 1.29, installing the family's package when neither is there.
 */
import { posix } from 'node:path'
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { changeKeys } from './lib/change-keys.js'
import { probeSections } from './lib/probe-script.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { installPackages, packagesSection, parsePackages, type PackageState } from './lib/packages.js'
import { fileChange, fileSection, parseFileSection, sha256, writeFile, type RemoteFile, type WantedFile } from './lib/remote-file.js'
import { COMPOSE_CLI_SECTION, cliFromPackage, composeArgv, composePackage, composePsSection, parseComposeCli, parseComposePs, type ComposeCli, type ComposeContainer } from './lib/compose-cli.js'
import { loadProject, type ComposeProject, type ProjectFile } from './lib/compose-project.js'

type Options = ModuleOptions<'compose'>
type Ctx = ModuleContext<Options>
type Key = 'install' | FileKey | 'up'
type FileKey = `file:${string}`

export interface ComposeProbe {
  project: ComposeProject
  /** The node's copy of each project file, in the same order. */
  remote: RemoteFile[]
  cli: ComposeCli
  packages: PackageState
  containers: ComposeContainer[]
}

export interface ComposeTiming {
  /** How long verify waits for every service to have a running container. */
  settle: Pace
}

export const COMPOSE_TIMING: ComposeTiming = { settle: { timeoutMs: 120_000, pollMs: 2_000 } }

function wanted(file: ProjectFile): WantedFile {
  return { path: file.remote, content: file.content, mode: file.mode }
}

const fileKey = (file: ProjectFile): FileKey => `file:${file.name}`

/** Services of the project without a running container, with what they have instead. */
function notRunning(services: readonly string[], containers: readonly ComposeContainer[]): string[] {
  return services.flatMap((service) => {
    const mine = containers.filter((c) => c.service === service)
    if (mine.some((c) => c.state === 'running')) return []
    return [mine.length ? `${service} is ${[...new Set(mine.map((c) => c.state))].join('/')}` : `${service} has no container`]
  })
}

function upArgv(ctx: Ctx, probed: ComposeProbe, build: boolean): string[] {
  const cli = probed.cli === 'none' ? cliFromPackage(ctx.facts.family) : probed.cli
  return composeArgv(cli, ctx.options.project, [probed.project.files[0]!.remote], ['up', '-d', ...(build ? ['--build'] : [])])
}

export function composeModule(timing: ComposeTiming = COMPOSE_TIMING): Module<Options, ComposeProbe, Key> {
  return {
    name: 'compose',

    // EL gets docker-compose-plugin with the docker module's packages.
    bake: (family) => (family === 'debian' ? [composePackage(family)] : []),

    async probe(ctx) {
      const name = ctx.node.name
      const project = await loadProject(ctx.options, ctx.labFile)
      const files = Object.fromEntries(project.files.map((f, i) => [`file${i}`, fileSection(f.remote, sha256(f.content))]))
      const s = await probeSections<string>(ctx.guest, name, {
        cli: COMPOSE_CLI_SECTION,
        packages: packagesSection(ctx.facts.family, [composePackage(ctx.facts.family)]),
        ps: composePsSection(ctx.options.project),
        ...files,
      })
      const cli = parseComposeCli(s.cli!.out)
      return {
        project,
        remote: project.files.map((f, i) => parseFileSection(f.remote, s[`file${i}`]!.out)),
        cli,
        packages: parsePackages(s.packages!.out),
        containers: parseComposePs(cli, s.ps!.out, s.ps!.code, name),
      }
    },

    plan(ctx, probed) {
      const { project } = probed
      const changes: Change<Key>[] = []
      if (probed.cli === 'none') {
        const pkg = composePackage(ctx.facts.family)
        if (probed.packages.installed.has(pkg)) {
          throw new LabError(`${ctx.node.name}: ${pkg} is installed, but neither \`docker compose\` nor \`docker-compose\` runs`, { hint: `reinstall ${pkg} on ${ctx.node.name}` })
        }
        changes.push({ key: 'install', what: `install ${pkg}`, why: 'docker compose is not installed' })
      }
      const edited: string[] = []
      project.files.forEach((file, i) => {
        const change = fileChange(fileKey(file), probed.remote[i]!, wanted(file), `part of compose project ${ctx.options.project}`)
        if (change === undefined) return
        changes.push(change)
        if (change.diff !== undefined) edited.push(file.name)
      })
      const down = notRunning(project.services, probed.containers)
      if (edited.length || down.length) {
        const why = [edited.length ? `changed: ${edited.join(', ')}` : '', down.length ? down.join('; ') : ''].filter((s) => s !== '').join('; ')
        changes.push({ key: 'up', what: upArgv(ctx, probed, project.builds && edited.length > 0).join(' '), why })
      }
      return changes
    },

    async apply(ctx, changes, probed) {
      const name = ctx.node.name
      const keys = changeKeys(changes)
      if (keys.has('install')) await installPackages(ctx.guest, name, ctx.facts, [composePackage(ctx.facts.family)], probed.packages)
      // Files of one new folder: the first write makes it.
      const made = new Set<string>()
      for (const [i, file] of probed.project.files.entries()) {
        if (!keys.has(fileKey(file))) continue
        const remote = probed.remote[i]!
        const dir = posix.dirname(file.remote)
        await writeFile(ctx.guest, name, ctx.facts, made.has(dir) ? { ...remote, dirExists: true } : remote, wanted(file))
        made.add(dir)
      }
      const up = changes.find((c) => c.key === 'up')
      if (up !== undefined) {
        const build = probed.project.builds && changes.some((c) => c.key.startsWith('file:') && c.diff !== undefined)
        await must(ctx.guest, name, upArgv(ctx, probed, build), { timeoutMs: 30 * 60_000 })
      }
    },

    async verify(ctx) {
      const name = ctx.node.name
      const project = await loadProject(ctx.options, ctx.labFile)
      await waitUntil(
        `${name}: compose project ${ctx.options.project} is not running`,
        timing.settle,
        async () => {
          const s = await probeSections(ctx.guest, name, { cli: COMPOSE_CLI_SECTION, ps: composePsSection(ctx.options.project) })
          const down = notRunning(project.services, parseComposePs(parseComposeCli(s.cli.out), s.ps.out, s.ps.code, name))
          if (down.length) throw new NotYet(down.join('; '))
        },
        `see \`docker compose -p ${ctx.options.project} logs\` (or docker-compose) on ${name}`,
      )
    },
  }
}

export default composeModule()
