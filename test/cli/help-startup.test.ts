/**
 * `lab --help`, `lab --version` and `lab <command> --help` stay instant (bench/startup.mjs): they load
 * commander and the command definitions only. Each command imports its code (ssh2, zod, yaml, handlebars,
 * the engine) inside its action; an eager import in a command definition, or in what one imports, fails here.
 */
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { LAB_BIN, ROOT } from '../helpers/cli.js'

const TRACE = join(ROOT, 'test', 'helpers', 'trace-modules.mjs')
const EVERY_HELP = join(ROOT, 'test', 'helpers', 'every-help.mjs')
const DIST = join(ROOT, 'dist')
const DIST_URL = `${pathToFileURL(DIST).href}/`

/** What the help path may load of dist/: the entry, commander's wrapper, the definitions, the OS list iso's help names and the exit-code table. */
const ALLOWED_DIST = [/^cli\/(main|program|commander|lab-option)\.js$/, /^cli\/commands\/[^/]+\.js$/, /^lab\/os-catalog\.js$/, /^util\/exit-codes\.js$/]
const ALLOWED_PACKAGES = ['commander']
const HEAVY = ['ssh2', 'zod', 'yaml', 'handlebars', 'unixcrypt', 'execa']

interface Traced {
  code: number
  stdout: string
  /** dist/ modules, relative to dist/. */
  dist: string[]
  packages: string[]
}

/** Runs node on `args` with every module it loads traced (test/helpers/trace-modules.mjs). */
function traced(args: string[], dir: string): Promise<Traced> {
  const file = join(dir, `${args.map((a) => a.replace(/\W/g, '')).join('_')}.trace`)
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(TRACE).href, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', VMLAB_TRACE_FILE: file } }, (err, stdout) => {
      const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean)
      const packages = [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))]
      const dist = [...new Set(urls.filter((u) => u.startsWith(DIST_URL)).map((u) => u.slice(DIST_URL.length)))]
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout: String(stdout), dist, packages })
    })
  })
}

function assertLight(t: Test, r: Traced, what: string): void {
  t.equal(r.code, 0, `${what} exits 0`)
  t.same(
    r.packages.filter((p) => !ALLOWED_PACKAGES.includes(p)),
    [],
    `${what} loads no package but commander (${HEAVY.join(', ')} … belong in the action: await import() there)`,
  )
  t.same(
    r.dist.filter((m) => !ALLOWED_DIST.some((re) => re.test(m))),
    [],
    `${what} loads nothing of dist/ beyond the command definitions (an action's module belongs in the action: await import() there)`,
  )
}

t.test('the trace sees what a command loads: validate loads zod, yaml and the lab loader', async (t) => {
  const r = await traced([LAB_BIN, 'validate'], t.testdir({}))
  t.equal(r.code, 0)
  t.ok(r.packages.includes('zod') && r.packages.includes('yaml'), r.packages.join(', '))
  t.ok(r.dist.includes('lab/load.js'), 'lab/load.js')
})

t.test('lab --help and lab --version load the entry only; lab help (commander itself) only commander and the command definitions', async (t) => {
  const dir = t.testdir({})
  const help = await traced([LAB_BIN, '--help'], dir)
  assertLight(t, help, 'lab --help')
  t.match(help.stdout, /^Usage: lab /)
  t.same(help.dist, ['cli/main.js'], 'lab --help prints the page the build wrote (dist/cli/help.json)')
  const upHelp = await traced([LAB_BIN, 'up', '--help'], dir)
  t.same([upHelp.dist, upHelp.packages], [['cli/main.js'], []], 'so does lab up --help')
  t.match(upHelp.stdout, /^Usage: lab up \[options\] \[file\]/)
  const live = await traced([LAB_BIN, 'help'], dir)
  assertLight(t, live, 'lab help')
  t.ok(live.packages.includes('commander') && live.dist.includes('cli/commands/index.js'), 'the trace saw the help path itself')
  t.equal(help.stdout, live.stdout, 'the built page is what commander prints')
  const version = await traced([LAB_BIN, '--version'], dir)
  assertLight(t, version, 'lab --version')
  t.same(version.dist, ['cli/main.js'], 'lab --version loads no more than the entry')
  // A word that is not a command, or an option before --help, is commander's to answer.
  const odd = await traced([LAB_BIN, 'ssh', 'master', '--help'], dir)
  t.ok(odd.dist.includes('cli/program.js'), 'lab ssh master --help goes to commander')
})

t.test('the help of every command and subcommand loads only the command definitions', async (t) => {
  const r = await traced([EVERY_HELP, DIST], t.testdir({}))
  assertLight(t, r, 'lab <command> --help')
  const pages = JSON.parse(r.stdout) as Array<{ words: string[]; code: number; out: string }>
  t.ok(pages.length >= 25, `${pages.length} help pages`)
  // The pages the build wrote for `lab … --help` are these, every one.
  const built = JSON.parse(readFileSync(join(DIST, 'cli', 'help.json'), 'utf8')) as Record<string, string>
  t.same(Object.keys(built).sort(), pages.map((p) => p.words.join(' ')).sort(), 'a built page for every command')
  for (const p of pages) t.equal(built[p.words.join(' ')], p.out, `the built page of lab ${p.words.join(' ')} is the program's`)
  for (const words of [['up'], ['exec'], ['iso', 'fetch'], ['snapshot', 'save'], ['image', 'build']]) {
    const page = pages.find((p) => p.words.join(' ') === words.join(' '))
    t.match(page, { code: 0, out: new RegExp(`^Usage: lab ${words.join(' ')} `) }, `lab ${words.join(' ')} --help`)
  }
})
