import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import { fileOut, probeOutput } from '../helpers/module-run.js'
import { CONFIG, MARKER, STAGING, TEMPLATE, harborModule } from '../../src/modules/harbor.js'
import { renderHarborYml } from '../../src/modules/lib/harbor-config.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import type { Family, ModuleContext } from '../../src/modules/module.js'
import { InputError, LabError } from '../../src/util/errors.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'
import { composePsLines, dockerPsLines, type Box } from './compose-fixtures.js'

type Options = ModuleOptions<'harbor'>
const harbor = harborModule({ health: { timeoutMs: 200, pollMs: 1 } })

/** The shape of Harbor 2.x's harbor.yml.tmpl (abridged): the settings lab touches and their neighbours. */
const TMPL = `# Harbor configuration

# The name clients use; not localhost.
hostname: reg.mydomain.com

# http settings
http:
  # the http port (redirects to https when that is on)
  port: 80

# https settings
https:
  # https port
  port: 443
  # certificate and key for nginx
  certificate: /your/certificate/path
  private_key: /your/private/key/path

# # an optional block, left commented
# internal_tls:
#   enabled: true

# Initial admin password, read on the first install only.
harbor_admin_password: Harbor12345

# database settings
database:
  password: root123
  max_idle_conns: 100

# where Harbor keeps its data
data_volume: /data

log:
  level: info
  local:
    location: /var/log/harbor

_version: 2.11.0
`
const PASSWORD = 'Kq7fz-Wm3xa-Pb9Ln-Ty2Rc'
const INSTALLER = 'harbor-offline-installer-v2.11.1.tgz'
const UP_CMD = 'docker compose -p harbor -f /opt/vmlab/harbor/docker-compose.yml up -d'

const HARBOR: Box[] = ['log', 'registry', 'registryctl', 'postgresql', 'portal', 'redis', 'core', 'jobservice', 'proxy'].map((service) => ({
  project: 'harbor',
  service,
  image: `goharbor/harbor-${service}:v2.11.1`,
  state: 'running',
  name: service === 'proxy' ? 'nginx' : service === 'postgresql' ? 'harbor-db' : ['registry', 'registryctl', 'redis'].includes(service) ? service : `harbor-${service}`,
}))

async function labDir(): Promise<string> {
  const dir = tempDir(t, 'vmlab-harbor-')
  await writeFile(join(dir, INSTALLER), 'not really a tarball, but the bytes go up unchanged\n')
  return dir
}

function ctxOf(family: Family, guest: FakeGuest, dir: string, opts = `{ node: master, installer: ${INSTALLER} }`, secret = PASSWORD): ModuleContext<Options> & { asked: string[] } {
  const lab = swarmLab(family, ['docker', `harbor: ${opts}`])
  const nodes: Nodes = { lab, family, guests: { master: guest } }
  const asked: string[] = []
  return {
    ...contextFor(nodes, 'master', undefined, optionsOf<Options>(lab, 'harbor')),
    asked,
    labFile: (rel) => join(dir, rel),
    secret: async (name) => {
      asked.push(name)
      return secret
    },
  }
}

function rendered(over: Partial<{ port: number; password: string; hostname: string }> = {}): string {
  return renderHarborYml(TMPL, { hostname: over.hostname ?? 'master.localdomain', httpPort: over.port ?? 80, adminPassword: over.password ?? PASSWORD, dataVolume: '/data' })
}

function probe(o: { cli?: string; tools?: string; installed?: string; config?: string; ps?: string; packages?: string }): Answer {
  return {
    match: /#vmlab:begin:marker/,
    once: true,
    stdout: probeOutput({
      cli: `${o.cli ?? 'plugin'}\n`,
      commands: o.tools ?? 'has curl\nhas tar\n',
      packages: o.packages ?? '',
      marker: o.installed === undefined ? { out: `cat: ${MARKER}: No such file or directory\n`, code: 1 } : `${o.installed}\n`,
      template: o.installed === undefined ? { out: '', code: 1 } : TMPL,
      config: fileOut(o.config, { mode: '600', dir: o.installed !== undefined }),
      ps: o.ps ?? '',
    }),
  }
}

const HEALTH_URL = /^curl -s -m 10 -o - -w .* 'http:\/\/192\.168\.56\.10:80\/api\/v2\.0\/health'$/s
const components = (sick?: string) =>
  ['core', 'database', 'jobservice', 'portal', 'redis', 'registry', 'registryctl'].map((name) =>
    name === sick ? { name, status: 'unhealthy', error: 'dial tcp 172.18.0.3:5432: connect: connection refused' } : { name, status: 'healthy' },
  )
const healthy: Answer = { match: HEALTH_URL, stdout: `${JSON.stringify({ status: 'healthy', components: components() })}\n#vmlab:http:200` }
const unhealthy = (once = true): Answer => ({ match: HEALTH_URL, once, stdout: `${JSON.stringify({ status: 'unhealthy', components: components('database') })}\n#vmlab:http:200` })

t.test('harbor.yml from the template: hostname, http port, https block commented out, password and data volume set', async (t) => {
  const yml = renderHarborYml(TMPL, { hostname: 'harbor.localdomain', httpPort: 8080, adminPassword: PASSWORD, dataVolume: '/srv/harbor data' })
  t.match(yml, /^hostname: harbor\.localdomain$/m)
  t.match(yml, /^http:\n {2}# the http port .*\n {2}port: 8080$/m)
  t.match(
    yml,
    /^# https:\n# {3}# https port\n# {3}port: 443\n# {3}# certificate and key for nginx\n# {3}certificate: \/your\/certificate\/path\n# {3}private_key: \/your\/private\/key\/path\n\n# # an optional block/m,
  )
  t.match(yml, `harbor_admin_password: ${PASSWORD}\n`)
  t.match(yml, /^ {2}password: root123$/m, 'the database password line is not the admin password')
  t.match(yml, /^data_volume: "\/srv\/harbor data"$/m)
  t.notMatch(yml, /Harbor12345|reg\.mydomain\.com|^https:/m)
  t.throws(() => renderHarborYml('hostname: x\n', { hostname: 'h', httpPort: 80, adminPassword: 'p', dataVolume: '/d' }), { message: /has no http\.port, harbor_admin_password, data_volume setting/ })
})

t.test('first install: upload, unpack, harbor.yml, install.sh once, marker; verify polls health; then nothing to do', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([
    probe({}),
    { match: /^(mkdir|rm|tar) / },
    { match: `cat ${TEMPLATE}`, stdout: TMPL },
    { match: "sh -c 'cd /opt/vmlab/harbor && ./install.sh'", stdout: '[Step 5]: starting Harbor ...\n✔ ----Harbor has been installed and started successfully.----\n' },
    unhealthy(),
    healthy,
  ])
  const ctx = ctxOf('el9', guest, dir)
  const changes = await runModule(harbor, ctx)
  t.same(
    changes.map((c) => [c.key, c.what, c.why]),
    [['install', `install Harbor from ${INSTALLER} (unpack in /opt/vmlab/harbor, write harbor.yml, ./install.sh)`, 'Harbor is not installed on master']],
  )
  t.same(actions(guest), [
    'sudo mkdir -p /opt/vmlab',
    'sudo rm -rf /opt/vmlab/harbor',
    `sudo tar -xzf ${STAGING} -C /opt/vmlab`,
    `sudo cat ${TEMPLATE}`,
    "sudo sh -c 'cd /opt/vmlab/harbor && ./install.sh'",
    `sudo rm -f ${STAGING}`,
    "sudo curl -s -m 10 -o - -w '\n#vmlab:http:%{http_code}' 'http://192.168.56.10:80/api/v2.0/health'",
    "sudo curl -s -m 10 -o - -w '\n#vmlab:http:%{http_code}' 'http://192.168.56.10:80/api/v2.0/health'",
  ])
  t.same(
    guest.uploads.map((u) => [u.path, u.mode]),
    [
      [STAGING, 0o644],
      [CONFIG, 0o600],
      [MARKER, 0o644],
    ],
  )
  t.equal(guest.uploads[0]!.data, 'not really a tarball, but the bytes go up unchanged\n')
  t.equal(guest.uploads[1]!.data, rendered())
  t.equal(guest.uploads[2]!.data, `${INSTALLER}\n`)
  const install = guest.commands.findIndex((c) => c.includes('install.sh'))
  t.same(guest.execOptions[install]!.secrets, [PASSWORD], 'the password is redacted from install.sh output')
  t.notOk(
    guest.commands.some((c) => c.includes(PASSWORD)),
    'never on a command line',
  )

  const before = guest.commands.length
  guest.answer(probe({ installed: INSTALLER, config: rendered(), ps: composePsLines(HARBOR) }))
  t.same(harbor.plan(ctx, await harbor.probe(ctx)), [], 'second run plans nothing')
  t.equal(guest.commands.length, before + 1, 'one round trip')
})

t.test('the admin password on the node is kept, whatever the lab secret says now', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ installed: INSTALLER, config: rendered({ password: 'Chosen-Long-Ago-1' }), ps: composePsLines(HARBOR) })])
  const ctx = ctxOf('el9', guest, dir)
  t.same(harbor.plan(ctx, await harbor.probe(ctx)), [])
  t.same(ctx.asked, [], 'the lab secret is not read')
})

t.test('drift: another http port → harbor.yml rewritten (password masked in the diff), ./prepare and up -d, never install.sh', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ installed: INSTALLER, config: rendered(), ps: composePsLines(HARBOR) }), { match: /^(restorecon|sh -c|docker) / }, healthy])
  const ctx = ctxOf('el9', guest, dir, `{ node: master, installer: ${INSTALLER}, http_port: 8080 }`)
  guest.answer({ match: /^curl .*'http:\/\/192\.168\.56\.10:8080\/api\/v2\.0\/health'$/s, stdout: healthy.stdout! })
  const changes = await runModule(harbor, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['config', `write ${CONFIG}`],
      ['reconfigure', `./prepare; ${UP_CMD} --force-recreate`],
    ],
  )
  t.equal(
    changes[0]!.diff,
    `--- ${CONFIG}\n+++ ${CONFIG}\n@@ -6,7 +6,7 @@\n # http settings\n http:\n   # the http port (redirects to https when that is on)\n-  port: 80\n+  port: 8080\n \n # https settings\n # https:\n`,
  )
  t.same(actions(guest).slice(0, 3), [`sudo restorecon -- ${CONFIG}`, "sudo sh -c 'cd /opt/vmlab/harbor && ./prepare'", `sudo ${UP_CMD} --force-recreate`])
  t.equal(guest.uploads[0]!.data, rendered({ port: 8080 }))
  t.notOk(guest.commands.some((c) => c.includes('install.sh')))
})

t.test('the diff of harbor.yml never shows a password', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ installed: INSTALLER, config: rendered().replace(`password: ${PASSWORD}\n\n# database`, `password: ${PASSWORD}\n\n# db`), ps: composePsLines(HARBOR) })])
  const ctx = ctxOf('el9', guest, dir, `{ node: master, installer: ${INSTALLER}, hostname: harbor.lab.example }`)
  const changes = harbor.plan(ctx, await harbor.probe(ctx))
  t.same(
    changes.map((c) => c.key),
    ['config', 'reconfigure'],
  )
  t.match(changes[0]!.diff, '-hostname: master.localdomain\n+hostname: harbor.lab.example\n')
  t.notMatch(changes[0]!.diff, PASSWORD)
})

t.test('stopped containers: up -d only', async (t) => {
  const dir = await labDir()
  const ps = composePsLines(HARBOR.map((b) => (b.service === 'core' ? { ...b, state: 'exited' as const } : b)))
  const guest = new FakeGuest([probe({ installed: INSTALLER, config: rendered(), ps }), { match: UP_CMD }, healthy])
  const changes = await runModule(harbor, ctxOf('el9', guest, dir))
  t.same(
    changes.map((c) => [c.key, c.what, c.why]),
    [['up', UP_CMD, 'harbor-core is exited']],
  )
  t.same(actions(guest)[0], `sudo ${UP_CMD}`)
})

t.test('Debian 12 without compose and tar: both installed before install.sh; docker-compose 1.29 runs it later', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ cli: 'none', tools: 'has curl\n', packages: 'aptlists yes\n' })])
  const ctx = ctxOf('debian', guest, dir)
  t.same(
    harbor.plan(ctx, await harbor.probe(ctx)).map((c) => [c.key, c.what]),
    [
      ['tools', 'install tar docker-compose'],
      ['install', `install Harbor from ${INSTALLER} (unpack in /opt/vmlab/harbor, write harbor.yml, ./install.sh)`],
    ],
  )
  const later = new FakeGuest([probe({ cli: 'v1', installed: INSTALLER, config: rendered(), ps: dockerPsLines(HARBOR.map((b) => ({ ...b, state: 'exited' as const }))) })])
  const ctx2 = ctxOf('debian', later, dir)
  t.same(
    harbor.plan(ctx2, await harbor.probe(ctx2)).map((c) => c.what),
    ['docker-compose -p harbor -f /opt/vmlab/harbor/docker-compose.yml up -d'],
  )
})

t.test('an installer given as a URL is downloaded on the node', async (t) => {
  const dir = await labDir()
  const url = `https://github.com/goharbor/harbor/releases/download/v2.11.1/${INSTALLER}`
  const guest = new FakeGuest([probe({}), { match: /^(mkdir|rm|tar|curl -fSL|sh -c) / }, { match: `cat ${TEMPLATE}`, stdout: TMPL }, healthy])
  const ctx = ctxOf('el9', guest, dir, `{ node: master, installer: "${url}" }`)
  await runModule(harbor, ctx)
  t.equal(actions(guest)[1], `sudo curl -fSL --retry 3 -o ${STAGING} '${url}'`)
  t.same(
    guest.uploads.map((u) => u.path),
    [CONFIG, MARKER],
    'nothing big uploaded',
  )
  t.equal(guest.uploads[1]!.data, `${INSTALLER}\n`, 'the marker names the file the URL points at')
})

t.test('refusals: an unreachable hostname, a missing installer file, another installer than the installed one', async (t) => {
  const dir = await labDir()
  const bad = new FakeGuest([probe({ installed: INSTALLER, config: rendered(), ps: composePsLines(HARBOR) })])
  const ctxBad = ctxOf('el9', bad, dir, `{ node: master, installer: ${INSTALLER}, hostname: reg.mydomain.com }`)
  t.throws(
    () => harbor.plan(ctxBad, { config: { path: CONFIG, kind: 'absent', dirExists: false }, cli: 'plugin', missing: [], packages: { installed: new Set(), aptLists: true }, containers: [] }),
    InputError,
  )

  const missing = new FakeGuest([probe({})])
  await t.rejects(harbor.probe(ctxOf('el9', missing, dir, '{ node: master, installer: harbor-offline-installer-v2.12.0.tgz }')), {
    name: 'InputError',
    message: /the installer harbor-offline-installer-v2\.12\.0\.tgz is not there/,
  })

  const other = new FakeGuest([probe({ installed: 'harbor-offline-installer-v2.10.3.tgz', config: rendered(), ps: composePsLines(HARBOR) })])
  const ctx = ctxOf('el9', other, dir)
  const probed = await harbor.probe(ctx)
  t.throws(() => harbor.plan(ctx, probed), { message: /Harbor was installed from harbor-offline-installer-v2\.10\.3\.tgz, the lab now names harbor-offline-installer-v2\.11\.1\.tgz/ })
  t.throws(() => harbor.plan(ctx, probed), LabError)
})

t.test('verify: never healthy → fails with the sick components', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ installed: INSTALLER, config: rendered(), ps: composePsLines(HARBOR) }), unhealthy(false)])
  await t.rejects(runModule(harbor, ctxOf('el9', guest, dir)), {
    message: /master: Harbor did not report healthy within 0 s: status unhealthy: database unhealthy \(dial tcp 172\.18\.0\.3:5432: connect: connection refused\)/,
  })
})
