import { mkdir } from 'node:fs/promises'
import { join, resolve, relative, isAbsolute } from 'node:path'
import { loadLab } from '../../lab/load.js'
import { OS_CATALOG, OS_IDS, type OsId } from '../../lab/os-catalog.js'
import { didYouMean } from '../../lab/suggest.js'
import { chooseProvider } from '../../engine/lab-plan.js'
import { ensureCredentials } from '../../engine/credentials.js'
import { kickstartInput, type KickstartTarget } from '../../engine/kickstart-input.js'
import { renderKickstart } from '../../kickstart/render.js'
import { writeFileAtomic } from '../../util/files.js'
import { InputError } from '../../util/errors.js'
import { printJson } from '../json-output.js'
import type { ProviderName } from '../../lab/schema.js'
import { AUTO_ORDER } from '../../providers/locate.js'

const EL_IDS = OS_IDS.filter((id) => OS_CATALOG[id].family !== 'debian')

export async function kickstartCommand(file: string | undefined, opts: { os?: string; out?: string; provider?: string; json?: boolean }): Promise<void> {
  const loaded = await loadLab(file, { allowDefault: true, missingFilesOk: true })
  const lab = loaded.lab
  let os = lab.os
  if (opts.os !== undefined) {
    if (!(OS_IDS as readonly string[]).includes(opts.os)) throw new InputError(`unknown OS '${opts.os}'`, didYouMean(opts.os, EL_IDS))
    os = OS_CATALOG[opts.os as OsId]
  }
  if (os.family === 'debian') {
    throw new InputError(`${os.id} is not installed with a kickstart (its image is built by \`lab image build\`)`, `give --os with one of: ${EL_IDS.join(', ')}`)
  }
  let provider: ProviderName
  try {
    provider = chooseProvider(loaded, opts.provider).name
  } catch (err) {
    // Without a hypervisor the files are still useful: the MAC range of the one auto tries first is the usual target.
    if (opts.provider !== undefined) throw err
    provider = AUTO_ORDER[0]!
  }
  const creds = await ensureCredentials(loaded)
  const out = resolve(opts.out ?? `kickstart-${lab.name}`)
  await mkdir(out, { recursive: true })
  const targets: Array<{ file: string; target: KickstartTarget }> = [
    { file: 'base.cfg', target: { kind: 'base' } },
    ...lab.nodes.map((n) => ({ file: `${n.name}.cfg`, target: { kind: 'node', node: n.name } as KickstartTarget })),
  ]
  // Render every file before writing any: a failure leaves nothing half-written.
  const rendered = targets.map((t) => ({ path: join(out, t.file), text: renderKickstart(kickstartInput(lab, t.target, creds, provider, os)) }))
  for (const r of rendered) await writeFileAtomic(r.path, r.text, 0o644)
  if (opts.json) return printJson({ lab: lab.name, os: os.id, provider, dir: out, files: rendered.map((r) => r.path) })
  for (const r of rendered) {
    const rel = relative(process.cwd(), r.path)
    process.stdout.write((rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : r.path) + '\n')
  }
}
