/**
 * Harbor from its offline installer. install.sh runs once, on the first install: it always takes Harbor
 * down (with its volumes) before starting it, so running it again is never convergent. Later changes to
 * harbor.yml go through `./prepare` and `up -d`; stopped containers only need `up -d`. The admin password
 * is the lab's `harbor-admin` secret, written on the first install and then kept as the node has it,
 * because Harbor reads it only once.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, posix } from 'node:path'
import { z } from 'zod'
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { isRemoteFile } from '../lab/lab-files.js'
import { InputError, LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { changeKeys } from './lib/change-keys.js'
import { probeSections } from './lib/probe-script.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { describeAnswer, httpGet } from './lib/http-get.js'
import { installPackages, packagesSection, parsePackages, type PackageState } from './lib/packages.js'
import { commandsSection, missingCommands, toolsChange } from './lib/needed-commands.js'
import { fileChange, fileSection, parseFileSection, writeFile, type RemoteFile } from './lib/remote-file.js'
import { unifiedDiff } from './lib/unified-diff.js'
import { COMPOSE_CLI_SECTION, cliFromPackage, composeArgv, composePackage, composePsSection, parseComposeCli, parseComposePs, type ComposeCli, type ComposeContainer } from './lib/compose-cli.js'
import { adminPasswordOf, maskPassword, renderHarborYml, yamlScalar } from './lib/harbor-config.js'

type Options = ModuleOptions<'harbor'>
type Ctx = ModuleContext<Options>
type Key = 'tools' | 'install' | 'config' | 'reconfigure' | 'up'

/** The offline installer unpacks to harbor/. */
export const HARBOR_DIR = '/opt/vmlab/harbor'
export const STAGING = '/opt/vmlab/harbor-offline-installer.tgz'
export const CONFIG = `${HARBOR_DIR}/harbor.yml`
export const TEMPLATE = `${HARBOR_DIR}/harbor.yml.tmpl`
/** Written after install.sh succeeded: which installer it was. */
export const MARKER = `${HARBOR_DIR}/.vmlab-installed`
/** prepare writes it; its folder name makes the compose project name. */
export const COMPOSE_FILE = `${HARBOR_DIR}/docker-compose.yml`
export const PROJECT = 'harbor'
export const SECRET_NAME = 'harbor-admin'
const TOOLS = ['curl', 'tar']

export interface HarborProbe {
  /** The installer named in the marker; undefined when Harbor was never installed by lab. */
  installedFrom?: string
  config: RemoteFile
  /** harbor.yml as it should be, once the installer's template is on the node. */
  wanted?: string
  cli: ComposeCli
  /** Commands Harbor's steps need that the node lacks. */
  missing: string[]
  packages: PackageState
  containers: ComposeContainer[]
}

export interface HarborTiming {
  /** How long verify waits for /api/v2.0/health to say healthy (its first start migrates a database). */
  health: Pace
}

export const HARBOR_TIMING: HarborTiming = { health: { timeoutMs: 600_000, pollMs: 5_000 } }

/** What the marker records: the installer's file name, so a newer one in the lab file is noticed. */
export function installerName(installer: string): string {
  return isRemoteFile(installer) ? posix.basename(new URL(installer).pathname) : basename(installer)
}

export function harborHostname(ctx: Ctx): string {
  const host = ctx.options.hostname ?? ctx.node.fqdn
  if (/^(reg\.mydomain\.com|localhost|127\.\d+\.\d+\.\d+)$/i.test(host)) {
    throw new InputError(`harbor: hostname ${host} cannot be reached by the other nodes`, `give the name or address students use, e.g. hostname: ${ctx.node.fqdn} (the default)`)
  }
  return host
}

function render(ctx: Ctx, template: string, adminPassword: string): string {
  return renderHarborYml(template, { hostname: harborHostname(ctx), httpPort: ctx.options.http_port, adminPassword, dataVolume: ctx.options.data_volume })
}

function composeCli(ctx: Ctx, probed: HarborProbe): ComposeCli {
  return probed.cli === 'none' ? cliFromPackage(ctx.facts.family) : probed.cli
}

/** curl (health checks, URL installers), tar (the installer) and a compose for install.sh and `up -d`. */
function needed(ctx: Ctx, probed: HarborProbe): string[] {
  if (probed.cli !== 'none') return probed.missing
  const pkg = composePackage(ctx.facts.family)
  if (probed.packages.installed.has(pkg)) {
    throw new LabError(`${ctx.node.name}: ${pkg} is installed, but neither \`docker compose\` nor \`docker-compose\` runs`, { hint: `reinstall ${pkg} on ${ctx.node.name}` })
  }
  return [...probed.missing, pkg]
}

async function fetchInstaller(ctx: Ctx): Promise<void> {
  const { installer } = ctx.options
  const name = ctx.node.name
  if (isRemoteFile(installer)) {
    await must(ctx.guest, name, ['curl', '-fSL', '--retry', '3', '-o', STAGING, installer], {
      timeoutMs: 60 * 60_000,
      hint: `${name} must be able to reach ${installer}; or download it next to the lab file and name the file`,
    })
    return
  }
  ctx.log(`uploading ${installer}`)
  await ctx.guest.upload(STAGING, await readFile(ctx.labFile(installer)), { mode: 0o644 })
}

async function install(ctx: Ctx): Promise<void> {
  const name = ctx.node.name
  await must(ctx.guest, name, ['mkdir', '-p', posix.dirname(HARBOR_DIR)])
  await fetchInstaller(ctx)
  // Leftovers of an install that failed before the marker was written: nothing of value, start clean.
  await must(ctx.guest, name, ['rm', '-rf', HARBOR_DIR])
  await must(ctx.guest, name, ['tar', '-xzf', STAGING, '-C', posix.dirname(HARBOR_DIR)], { timeoutMs: 30 * 60_000 })
  const template = await must(ctx.guest, name, ['cat', TEMPLATE], { hint: `${ctx.options.installer} did not unpack to harbor/harbor.yml.tmpl: is it a Harbor 2.x offline installer?` })
  const password = await ctx.secret(SECRET_NAME)
  await ctx.guest.upload(CONFIG, render(ctx, template, yamlScalar(password)), { mode: 0o600 })
  ctx.log('running install.sh (loads the images and starts Harbor; minutes)')
  await must(ctx.guest, name, ['sh', '-c', `cd ${HARBOR_DIR} && ./install.sh`], { timeoutMs: 60 * 60_000, secrets: [password] })
  await ctx.guest.upload(MARKER, `${installerName(ctx.options.installer)}\n`, { mode: 0o644 })
  await must(ctx.guest, name, ['rm', '-f', STAGING])
}

export function harborModule(timing: HarborTiming = HARBOR_TIMING): Module<Options, HarborProbe, Key> {
  return {
    name: 'harbor',

    bake: (family) => [...TOOLS, ...(family === 'debian' ? [composePackage(family)] : [])],

    async probe(ctx) {
      const name = ctx.node.name
      const s = await probeSections(ctx.guest, name, {
        cli: COMPOSE_CLI_SECTION,
        commands: commandsSection(TOOLS),
        packages: packagesSection(ctx.facts.family, [composePackage(ctx.facts.family)]),
        marker: `cat ${MARKER}`,
        template: `cat ${TEMPLATE}`,
        config: fileSection(CONFIG),
        ps: composePsSection(PROJECT),
      })
      const cli = parseComposeCli(s.cli.out)
      const probed: HarborProbe = {
        config: parseFileSection(CONFIG, s.config.out),
        cli,
        missing: missingCommands(TOOLS, s.commands.out),
        packages: parsePackages(s.packages.out),
        containers: parseComposePs(cli, s.ps.out, s.ps.code, name),
      }
      if (s.marker.code === 0 && s.marker.out.trim() !== '') probed.installedFrom = s.marker.out.trim()
      if (probed.installedFrom === undefined) {
        if (!isRemoteFile(ctx.options.installer)) {
          const local = ctx.labFile(ctx.options.installer)
          const found = await stat(local).catch(() => undefined)
          if (!found?.isFile()) {
            throw new InputError(
              `harbor: the installer ${ctx.options.installer} is not there (${local})`,
              "download harbor-offline-installer-*.tgz from Harbor's releases next to the lab file, or give its URL",
            )
          }
        }
        return probed
      }
      if (s.template.code === 0) {
        const kept = probed.config.content === undefined ? undefined : adminPasswordOf(probed.config.content)
        probed.wanted = render(ctx, s.template.out, kept ?? yamlScalar(await ctx.secret(SECRET_NAME)))
      }
      return probed
    },

    plan(ctx, probed) {
      const name = ctx.node.name
      const wantedFrom = installerName(ctx.options.installer)
      harborHostname(ctx)
      if (probed.installedFrom === undefined) {
        return [
          ...toolsChange(needed(ctx, probed), "Harbor's installer needs them"),
          { key: 'install', what: `install Harbor from ${wantedFrom} (unpack in ${HARBOR_DIR}, write harbor.yml, ./install.sh)`, why: `Harbor is not installed on ${name}` },
        ]
      }
      if (probed.installedFrom !== wantedFrom) {
        throw new LabError(`${name}: Harbor was installed from ${probed.installedFrom}, the lab now names ${wantedFrom}`, {
          hint: 'lab does not upgrade Harbor (its database may need migrating): name the installed version again, or reset the node to a snapshot taken before Harbor and run again',
        })
      }
      if (probed.wanted === undefined) {
        throw new LabError(`${name}: ${TEMPLATE} is missing, so lab cannot tell what harbor.yml should be`, { hint: `remove ${MARKER} on ${name} to install Harbor again` })
      }
      const changes: Change<Key>[] = toolsChange(needed(ctx, probed), 'Harbor is managed with them')
      const config = fileChange('config', probed.config, { path: CONFIG, content: probed.wanted, mode: 0o600 }, 'harbor.yml as the lab describes it')
      if (config !== undefined) {
        if (config.diff !== undefined) config.diff = unifiedDiff(maskPassword(probed.config.content ?? ''), maskPassword(probed.wanted), { from: CONFIG, to: CONFIG })
        changes.push(config)
      }
      if (config?.diff !== undefined) {
        changes.push({ key: 'reconfigure', what: `./prepare; ${composeArgv(composeCli(ctx, probed), PROJECT, [COMPOSE_FILE], ['up', '-d', '--force-recreate']).join(' ')}`, why: 'harbor.yml changed' })
        return changes
      }
      const down = probed.containers.filter((c) => c.state !== 'running')
      if (probed.containers.length === 0 || down.length) {
        const why = probed.containers.length === 0 ? 'no Harbor container exists' : down.map((c) => `${c.name} is ${c.state}`).join('; ')
        changes.push({ key: 'up', what: composeArgv(composeCli(ctx, probed), PROJECT, [COMPOSE_FILE], ['up', '-d']).join(' '), why })
      }
      return changes
    },

    async apply(ctx, changes, probed) {
      const name = ctx.node.name
      const keys = changeKeys(changes)
      if (keys.has('tools')) await installPackages(ctx.guest, name, ctx.facts, needed(ctx, probed), probed.packages)
      if (keys.has('install')) await install(ctx)
      if (keys.has('config')) await writeFile(ctx.guest, name, ctx.facts, probed.config, { path: CONFIG, content: probed.wanted!, mode: 0o600 })
      const cli = composeCli(ctx, probed)
      if (keys.has('reconfigure')) {
        const password = adminPasswordOf(probed.wanted!) ?? ''
        await must(ctx.guest, name, ['sh', '-c', `cd ${HARBOR_DIR} && ./prepare`], { timeoutMs: 10 * 60_000, secrets: [password] })
        await must(ctx.guest, name, composeArgv(cli, PROJECT, [COMPOSE_FILE], ['up', '-d', '--force-recreate']), { timeoutMs: 30 * 60_000 })
      }
      if (keys.has('up')) await must(ctx.guest, name, composeArgv(cli, PROJECT, [COMPOSE_FILE], ['up', '-d']), { timeoutMs: 30 * 60_000 })
    },

    async verify(ctx) {
      const name = ctx.node.name
      const url = `http://${ctx.node.ip}:${ctx.options.http_port}/api/v2.0/health`
      await waitUntil(
        `${name}: Harbor did not report healthy`,
        timing.health,
        async () => {
          const a = await httpGet(ctx.guest, name, url)
          if (a.status !== 200) throw new NotYet(`${url} gave ${describeAnswer(a)}`)
          const health = HealthSchema.safeParse(safeJson(a.body))
          if (!health.success) throw new NotYet(`${url} did not answer Harbor's health JSON: ${a.body.slice(0, 200)}`)
          if (health.data.status !== 'healthy') {
            const sick = health.data.components.filter((c) => c.status !== 'healthy').map((c) => `${c.name} ${c.status}${c.error ? ` (${c.error})` : ''}`)
            throw new NotYet(`status ${health.data.status}${sick.length ? `: ${sick.join(', ')}` : ''}`)
          }
        },
        `see \`docker compose ps\` and the logs in /var/log/harbor on ${name}`,
      )
    },
  }
}

const HealthSchema = z.object({
  status: z.string(),
  components: z.array(z.object({ name: z.string(), status: z.string(), error: z.string().optional() })).default([]),
})

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export default harborModule()
