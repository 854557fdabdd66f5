import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import { fileOut, probeOutput } from '../helpers/module-run.js'
import { composeModule } from '../../src/modules/compose.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import type { Family, ModuleContext } from '../../src/modules/module.js'
import { InputError } from '../../src/util/errors.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'
import { composePsArray, composePsLines, dockerPsLines, type Box } from './compose-fixtures.js'

type Options = ModuleOptions<'compose'>
const compose = composeModule({ settle: { timeoutMs: 100, pollMs: 1 } })

const COMPOSE = `services:
  php:
    image: php:8.3-fpm-alpine
    volumes:
      - ./index.php:/var/www/html/index.php:ro
  nginx:
    image: nginx:alpine
    depends_on: [php]
    ports:
      - "18848:80"
    volumes:
      - ./conf/nginx.conf:/etc/nginx/conf.d/default.conf:ro
      - ./index.php:/var/www/html/index.php:ro
  debug:
    image: busybox
    profiles: [debug]
`
const NGINX = 'server {\n    listen 80;\n    location ~ \\.php$ { fastcgi_pass php:9000; }\n}\n'
const PHP = '<?php echo "Hello from PHP";\n'
const DIR = '/opt/vmlab/compose/web'
const OPTS = '{ node: master, project: web, file: stack/compose.yaml, files: [stack/conf/nginx.conf, stack/index.php] }'

async function labDir(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = tempDir(t, 'vmlab-compose-')
  const all = { 'stack/compose.yaml': COMPOSE, 'stack/conf/nginx.conf': NGINX, 'stack/index.php': PHP, ...files }
  for (const [rel, content] of Object.entries(all)) {
    await mkdir(join(dir, rel, '..'), { recursive: true })
    await writeFile(join(dir, rel), content)
  }
  return dir
}

function ctxOf(family: Family, guest: FakeGuest, dir: string, opts = OPTS): ModuleContext<Options> {
  const lab = swarmLab(family, ['docker', `compose: ${opts}`])
  const nodes: Nodes = { lab, family, guests: { master: guest } }
  return { ...contextFor(nodes, 'master', undefined, optionsOf<Options>(lab, 'compose')), labFile: (rel) => join(dir, rel) }
}

const running = (service: string, image: string): Box => ({ project: 'web', service, image, state: 'running' })
const UP = [running('php', 'php:8.3-fpm-alpine'), running('nginx', 'nginx:alpine')]

interface NodeFiles {
  compose?: string
  nginx?: string
  php?: string
  /** The probe skips the content when the checksum matches (as fileSection does). */
  same?: boolean
}

function probe(o: { cli: string; installed?: string; ps: string; psCode?: number; files: NodeFiles }): Answer {
  const out = (content: string | undefined, wanted: string, dir = true) => fileOut(content, { sendContent: !(o.files.same && content === wanted), dir })
  return {
    match: /#vmlab:begin:file0/,
    once: true,
    stdout: probeOutput({
      cli: `${o.cli}\n`,
      packages: o.installed ?? '',
      ps: { out: o.ps, code: o.psCode ?? 0 },
      file0: out(o.files.compose, COMPOSE, o.files.compose !== undefined),
      file1: out(o.files.nginx, NGINX, o.files.nginx !== undefined),
      file2: out(o.files.php, PHP, o.files.php !== undefined),
    }),
  }
}

const verifyPs = (cli: string, ps: string): Answer => ({ match: /#vmlab:begin:ps/, stdout: probeOutput({ cli: `${cli}\n`, ps }) })
const SAME: NodeFiles = { compose: COMPOSE, nginx: NGINX, php: PHP, same: true }

t.test('EL9 with the compose plugin: files copied with their layout, up -d, every service running; then nothing to do', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([
    probe({ cli: 'plugin', installed: 'installed docker-compose-plugin\n', ps: '', files: {} }),
    { match: /^(mkdir|restorecon) / },
    { match: `docker compose -p web -f ${DIR}/compose.yaml up -d`, stderr: ' Container web-php-1  Started\n Container web-nginx-1  Started\n' },
    probe({ cli: 'plugin', installed: 'installed docker-compose-plugin\n', ps: composePsLines(UP), files: SAME }),
    verifyPs('plugin', composePsLines(UP)),
  ])
  const ctx = ctxOf('el9', guest, dir)
  const changes = await runModule(compose, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['file:stack/compose.yaml', `create ${DIR}/compose.yaml`],
      ['file:stack/conf/nginx.conf', `create ${DIR}/conf/nginx.conf`],
      ['file:stack/index.php', `create ${DIR}/index.php`],
      ['up', `docker compose -p web -f ${DIR}/compose.yaml up -d`],
    ],
  )
  t.equal(changes[3]!.why, 'changed: stack/compose.yaml, stack/conf/nginx.conf, stack/index.php; php has no container; nginx has no container')
  t.match(changes[2]!.diff, `--- /dev/null\n+++ ${DIR}/index.php\n@@ -0,0 +1 @@\n+<?php echo "Hello from PHP";\n`)
  t.same(actions(guest), [
    `sudo mkdir -p -- ${DIR}`,
    `sudo restorecon -- ${DIR}/compose.yaml`,
    `sudo mkdir -p -- ${DIR}/conf`,
    `sudo restorecon -- ${DIR}/conf/nginx.conf`,
    `sudo restorecon -- ${DIR}/index.php`,
    `sudo docker compose -p web -f ${DIR}/compose.yaml up -d`,
  ])
  t.same(
    guest.uploads.map((u) => [u.path, u.data, u.mode]),
    [
      [`${DIR}/compose.yaml`, COMPOSE, 0o644],
      [`${DIR}/conf/nginx.conf`, NGINX, 0o644],
      [`${DIR}/index.php`, PHP, 0o644],
    ],
  )
  t.match(guest.commands[0], /docker compose -p web ps -a --format json 2>&1/)
  t.match(guest.commands[0], /docker ps -a --filter 'label=com\.docker\.compose\.project=web' --format '\{\{json \.\}\}' 2>&1/)

  const before = guest.commands.length
  t.same(await compose.plan(ctx, await compose.probe(ctx)), [], 'second run plans nothing (the debug profile is not expected to run)')
  t.equal(guest.commands.length, before + 1, 'one round trip')
})

t.test('compose before 2.21 prints one JSON array: a stopped service brings up -d, nothing is copied', async (t) => {
  const dir = await labDir()
  const ps = composePsArray([running('php', 'php:8.3-fpm-alpine'), { project: 'web', service: 'nginx', image: 'nginx:alpine', state: 'exited' }])
  const guest = new FakeGuest([probe({ cli: 'plugin', ps, files: SAME }), { match: /up -d$/ }, verifyPs('plugin', composePsArray(UP))])
  const changes = await runModule(compose, ctxOf('el8', guest, dir))
  t.same(
    changes.map((c) => [c.key, c.why]),
    [['up', 'nginx is exited']],
  )
  t.same(actions(guest), [`sudo docker compose -p web -f ${DIR}/compose.yaml up -d`])
  t.same(guest.uploads, [])
})

t.test('an empty JSON array (compose before 2.21, nothing started yet) reads as no containers', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ cli: 'plugin', ps: '[]\n', files: SAME })])
  const ctx = ctxOf('el9', guest, dir)
  t.same((await compose.probe(ctx)).containers, [])
})

t.test('drift: the compose file edited in the lab folder → its diff, and up -d', async (t) => {
  const dir = await labDir({ 'stack/compose.yaml': COMPOSE.replace('"18848:80"', '"18849:80"') })
  const guest = new FakeGuest([probe({ cli: 'plugin', ps: composePsLines(UP), files: { ...SAME, same: false } }), { match: /^(restorecon|docker) / }, verifyPs('plugin', composePsLines(UP))])
  const changes = await runModule(compose, ctxOf('el9', guest, dir))
  t.same(
    changes.map((c) => [c.key, c.why]),
    [
      ['file:stack/compose.yaml', 'part of compose project web'],
      ['up', 'changed: stack/compose.yaml'],
    ],
  )
  t.match(changes[0]!.diff, /-      - "18848:80"\n\+      - "18849:80"\n/)
  t.same(actions(guest), [`sudo restorecon -- ${DIR}/compose.yaml`, `sudo docker compose -p web -f ${DIR}/compose.yaml up -d`])
})

t.test('Debian 12 without compose: docker-compose 1.29 installed, then driven as docker-compose; containers read with docker ps', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([
    probe({ cli: 'none', installed: 'aptlists yes\n', ps: '', files: {} }),
    { match: /apt-get .* install docker-compose$/ },
    { match: /^mkdir / },
    { match: `docker-compose -p web -f ${DIR}/compose.yaml up -d`, stderr: 'Creating network "web_default" with the default driver\nCreating web_php_1 ... done\nCreating web_nginx_1 ... done\n' },
    probe({ cli: 'v1', installed: 'ii  docker-compose\naptlists yes\n', ps: dockerPsLines(UP), files: SAME }),
    verifyPs('v1', dockerPsLines(UP)),
  ])
  const ctx = ctxOf('debian', guest, dir)
  const changes = await runModule(compose, ctx)
  t.same(
    changes.map((c) => c.key),
    ['install', 'file:stack/compose.yaml', 'file:stack/conf/nginx.conf', 'file:stack/index.php', 'up'],
  )
  t.equal(changes[0]!.what, 'install docker-compose')
  t.equal(changes[4]!.what, `docker-compose -p web -f ${DIR}/compose.yaml up -d`)
  const ran = actions(guest)
  t.match(ran[0], /^sudo env 'DEBIAN_FRONTEND=noninteractive' .* install docker-compose$/)
  t.same(ran.slice(1), [`sudo mkdir -p -- ${DIR}`, `sudo mkdir -p -- ${DIR}/conf`, `sudo docker-compose -p web -f ${DIR}/compose.yaml up -d`], 'no restorecon on Debian')
  t.same(await compose.plan(ctx, await compose.probe(ctx)), [], 'second run plans nothing')
})

t.test('docker-compose 1.x containers that stopped are seen through their labels', async (t) => {
  const dir = await labDir()
  const ps = dockerPsLines([running('php', 'php:8.3-fpm-alpine'), { project: 'web', service: 'nginx', image: 'nginx:alpine', state: 'restarting' }])
  const guest = new FakeGuest([probe({ cli: 'v1', ps, files: SAME })])
  const ctx = ctxOf('debian', guest, dir)
  t.same(
    compose.plan(ctx, await compose.probe(ctx)).map((c) => [c.key, c.what, c.why]),
    [['up', `docker-compose -p web -f ${DIR}/compose.yaml up -d`, 'nginx is restarting']],
  )
})

t.test('a project that builds its image: --build when its files changed', async (t) => {
  const withBuild = `services:\n  app:\n    build: .\n    ports: ["8000:8000"]\n`
  const dir = await labDir({ 'stack/compose.yaml': withBuild, 'stack/Dockerfile': 'FROM busybox\nCMD ["httpd", "-f", "-p", "8000"]\n' })
  const guest = new FakeGuest([
    {
      match: /#vmlab:begin:file0/,
      once: true,
      stdout: probeOutput({ cli: 'plugin\n', packages: '', ps: '', file0: fileOut(withBuild, { sendContent: false }), file1: 'absent\n' }),
    },
    { match: /^(restorecon|docker) / },
    verifyPs('plugin', composePsLines([{ project: 'web', service: 'app', image: 'web-app', state: 'running' }])),
  ])
  const changes = await runModule(compose, ctxOf('el9', guest, dir, '{ node: master, project: web, file: stack/compose.yaml, files: [stack/Dockerfile] }'))
  t.same(
    changes.map((c) => c.key),
    ['file:stack/Dockerfile', 'up'],
  )
  t.equal(changes[1]!.what, `docker compose -p web -f ${DIR}/compose.yaml up -d --build`)
  t.equal(actions(guest).at(-1), `sudo docker compose -p web -f ${DIR}/compose.yaml up -d --build`)
})

t.test('verify: a service that does not stay up fails the step with its state', async (t) => {
  const dir = await labDir()
  const crashing = [running('php', 'php:8.3-fpm-alpine'), { project: 'web', service: 'nginx', image: 'nginx:alpine', state: 'restarting' as const }]
  const guest = new FakeGuest([probe({ cli: 'plugin', ps: composePsLines(crashing), files: SAME }), { match: /up -d$/ }, verifyPs('plugin', composePsLines(crashing))])
  await t.rejects(runModule(compose, ctxOf('el9', guest, dir)), { message: /master: compose project web is not running within 0 s: nginx is restarting/, hint: /logs/ })
})

t.test('files must sit in the compose file folder, be readable text, and the compose file must have services', async (t) => {
  const dir = await labDir({ 'other/x.conf': 'x\n', 'stack/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]), 'bad/compose.yaml': 'version: "3"\n' })
  const guest = new FakeGuest([])
  const cases: Array<[string, RegExp]> = [
    ['{ node: master, project: web, file: stack/compose.yaml, files: [other/x.conf] }', /other\/x\.conf is not inside stack/],
    ['{ node: master, project: web, file: stack/compose.yaml, files: [stack/logo.png] }', /stack\/logo\.png is not a UTF-8 text file/],
    ['{ node: master, project: web, file: stack/compose.yaml, files: [stack/missing.conf] }', /cannot read stack\/missing\.conf .*: no such file/],
    ['{ node: master, project: web, file: bad/compose.yaml }', /bad\/compose\.yaml declares no services/],
  ]
  for (const [opts, message] of cases) {
    const error = await compose.probe(ctxOf('el9', guest, dir, opts)).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.ok(error instanceof InputError, `${opts}: an input error`)
    t.match((error as Error).message, message, opts)
  }
  t.same(guest.commands, [], 'nothing asked of the node')
})

t.test('a failing listing says why and points at the docker module', async (t) => {
  const dir = await labDir()
  const guest = new FakeGuest([probe({ cli: 'v1', ps: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', psCode: 1, files: SAME })])
  await t.rejects(compose.probe(ctxOf('debian', guest, dir)), { message: /Is the docker daemon running\?/, hint: /run the docker module first/ })
})

t.test('bake: Debian bakes docker-compose; EL gets the plugin from the docker module', async (t) => {
  const options = optionsOf<Options>(swarmLab('debian', ['docker', `compose: ${OPTS}`]), 'compose')
  t.same(compose.bake?.('debian', options), ['docker-compose'])
  t.same(compose.bake?.('el9', options), [])
})
