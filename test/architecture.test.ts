/**
 * Hypervisor knowledge stays in its provider folder: nothing outside `src/providers/` imports a hypervisor's
 * folder or names its file formats, and what the rest asks (`providers/capabilities.ts`) is static data that
 * loads no part of `src/lab` (lab/ asks it, so an import back would be a circle).
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')
const HYPERVISOR_DIRS = ['qemu', 'virtualbox', 'vmware', 'libvirt'].map((d) => join(SRC, 'providers', d) + '/')
const FORMAT_WORDS = /virtualboxOsType|vmwareGuestOs|qcow2|\.vmdk|\.vmx\b/
/** A provider's name compared, returned, passed or assigned in code: a decision that belongs to a capability. */
const NAME_DECISION = /([!=]==|\bcase|\breturn|[=:?(]|\|\|)\s*'(qemu|virtualbox|vmware|libvirt)'|'(qemu|virtualbox|vmware|libvirt)'\s*([!=]==|\?)/

/** Help text a user reads may name a format: file and a piece of the line, each said why. */
const HELP_TEXT: Array<{ file: string; contains: string }> = [
  // The schema's description of install.image (shown by `lab schema` and editors): the user must know the format.
  { file: 'src/lab/schema.ts', contains: "description: 'a cloud image (qcow2, with cloud-init)" },
]

interface Line {
  file: string
  line: number
  text: string
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

function lines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ file: relative(ROOT, file), line: i + 1, text }))
}

/** Every module a line imports (static, dynamic or re-export), with whether it is for types only. */
function importsOf(l: Line): Array<{ spec: string; typeOnly: boolean }> {
  const found: Array<{ spec: string; typeOnly: boolean }> = []
  for (const m of l.text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?\bfrom\s+['"]([^'"]+)['"]/g)) found.push({ spec: m[3]!, typeOnly: m[2] !== undefined })
  for (const m of l.text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/g)) found.push({ spec: m[1]!, typeOnly: false })
  for (const m of l.text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1]!, typeOnly: false })
  return found
}

function target(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined
  return resolve(dirname(join(ROOT, file)), spec).replace(/\.js$/, '.ts')
}

const outsideProviders = (file: string) => !file.startsWith(join(SRC, 'providers') + '/')

/** Lines outside src/providers that import a hypervisor folder. */
function folderImports(all: Line[]): string[] {
  return all.flatMap((l) =>
    importsOf(l)
      .filter((i) => HYPERVISOR_DIRS.some((d) => target(l.file, i.spec)?.startsWith(d)))
      .map((i) => `${l.file}:${l.line}: imports ${i.spec}`),
  )
}

/** Lines outside src/providers that name a hypervisor's file format, but the help text above. */
function formatWords(all: Line[]): string[] {
  return all.filter((l) => FORMAT_WORDS.test(l.text) && !HELP_TEXT.some((h) => h.file === l.file && l.text.includes(h.contains))).map((l) => `${l.file}:${l.line}: ${l.text.trim()}`)
}

/** Lines outside src/providers that decide by a hypervisor's name. */
function nameDecisions(all: Line[]): string[] {
  return all.filter((l) => NAME_DECISION.test(l.text)).map((l) => `${l.file}:${l.line}: ${l.text.trim()}`)
}

const files = sourceFiles(SRC)
const outside = files.filter(outsideProviders).flatMap(lines)

t.test('the scan reads the whole of src/', async (t) => {
  t.ok(files.length > 100, `${files.length} files`)
  t.ok(
    outside.some((l) => l.file === 'src/lab/validate.ts'),
    'lab/ is scanned',
  )
  t.notOk(
    outside.some((l) => l.file.startsWith('src/providers/')),
    'the provider folders are not',
  )
})

t.test('the checks see what they are for', async (t) => {
  const sample: Line[] = [
    { file: 'src/cli/actions/x.ts', line: 3, text: "import { buildDebianImage } from '../../providers/qemu/image-debian.js'" },
    { file: 'src/engine/x.ts', line: 4, text: "  const { QemuProvider } = await import('../providers/qemu/provider.js')" },
    { file: 'src/engine/x.ts', line: 5, text: "import type { Provider } from '../providers/provider.js'" },
    { file: 'src/engine/x.ts', line: 6, text: "import { capabilitiesOf } from '../providers/capabilities.js'" },
    { file: 'src/lab/x.ts', line: 7, text: "  virtualboxOsType: 'RedHat_64'," },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a line, as the scan reads it
    { file: 'src/engine/x.ts', line: 8, text: "  disk: join('<image cache>', `${id}.qcow2`)," },
    { file: 'src/lab/x.ts', line: 9, text: '  /** VMware `.vmx` guestOS. */' },
    { file: 'src/lab/x.ts', line: 10, text: "  if (os.family === 'debian' && (lab.provider === 'virtualbox' || lab.provider === 'vmware')) {" },
    { file: 'src/engine/x.ts', line: 11, text: "  if (loaded.lab.os.family === 'debian') return { name: 'qemu', chosen: 'auto' }" },
    { file: 'src/cli/x.ts', line: 12, text: "    provider = 'virtualbox'" },
    { file: 'src/lab/x.ts', line: 13, text: "        const why = macProblem('virtualbox', mac)" },
    { file: 'src/cli/x.ts', line: 14, text: "    .option('--provider <name>', 'virtualbox, vmware or qemu (default: the lab file)')" },
  ]
  t.same(folderImports(sample), ['src/cli/actions/x.ts:3: imports ../../providers/qemu/image-debian.js', 'src/engine/x.ts:4: imports ../providers/qemu/provider.js'])
  t.same(
    formatWords(sample).map((s) => s.split(':').slice(0, 2).join(':')),
    ['src/lab/x.ts:7', 'src/engine/x.ts:8', 'src/lab/x.ts:9'],
  )
  t.same(
    nameDecisions(sample).map((s) => s.split(':').slice(0, 2).join(':')),
    ['src/lab/x.ts:10', 'src/engine/x.ts:11', 'src/cli/x.ts:12', 'src/lab/x.ts:13'],
    'help text naming them is no decision',
  )
})

t.test('no file outside src/providers imports a hypervisor folder', async (t) => {
  t.same(folderImports(outside), [], 'go through providers/index.ts, provider.ts or capabilities.ts')
})

t.test('no file outside src/providers names a hypervisor file format, but help text', async (t) => {
  t.same(formatWords(outside), [], 'ask the capabilities (providers/capabilities.ts) instead')
  for (const h of HELP_TEXT)
    t.ok(
      outside.some((l) => l.file === h.file && l.text.includes(h.contains)),
      `allowed help text still there: ${h.file}`,
    )
})

t.test("no file outside src/providers decides by a hypervisor's name", async (t) => {
  t.same(nameDecisions(outside), [], 'ask capabilitiesOf(name) or provider.capabilities instead')
})

t.test('the capabilities are static data: what they load at run time loads nothing of src/lab', async (t) => {
  const start = join(SRC, 'providers', 'capabilities.ts')
  const seen = new Set<string>()
  const bad: string[] = []
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const l of lines(file)) {
      for (const i of importsOf(l)) {
        if (i.typeOnly) continue
        const to = target(l.file, i.spec)
        if (to === undefined) continue
        if (to.startsWith(join(SRC, 'lab') + '/')) bad.push(`${l.file}:${l.line}: imports ${i.spec}`)
        else visit(to)
      }
    }
  }
  visit(start)
  t.ok(seen.size > 3, `${seen.size} files: the registry and each provider's record`)
  t.same(bad, [])
})

/** Lines below src/cli that write to the terminal themselves: the engine, media and providers emit events or take a stream. */
function terminalWrites(all: Line[]): string[] {
  return all.filter((l) => /\bprocess\.(stdout|stderr)\b|\bconsole\.(log|error|warn|info)\(/.test(l.text) && !/^\s*(\*|\/\/)/.test(l.text)).map((l) => `${l.file}:${l.line}: ${l.text.trim()}`)
}

t.test('nothing below src/cli writes to stdout or stderr: the CLI renders', async (t) => {
  const sample: Line[] = [
    { file: 'src/engine/x.ts', line: 1, text: "    process.stderr.write('downloading…')" },
    { file: 'src/media/x.ts', line: 2, text: '  console.log(path)' },
    { file: 'src/engine/x.ts', line: 3, text: ' * writes to process.stderr when told to' },
    { file: 'src/engine/x.ts', line: 4, text: '  stderr?: ProgressStream' },
  ]
  t.same(
    terminalWrites(sample).map((s) => s.split(':').slice(0, 2).join(':')),
    ['src/engine/x.ts:1', 'src/media/x.ts:2'],
    'the check sees a write, not a comment or a stream passed in',
  )
  const belowCli = files.filter((f) => !f.startsWith(join(SRC, 'cli') + '/')).flatMap(lines)
  t.same(terminalWrites(belowCli), [], 'emit an event (engine/events.ts) or take the stream the CLI passes in')
})
