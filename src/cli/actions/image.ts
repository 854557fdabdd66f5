import { InputError } from '../../util/errors.js'
import { printResult } from '../json-output.js'
import { identityAgentFiles } from '../../media/identity-agent.js'
import { imageBuilder } from '../../providers/index.js'

export async function imageBuildCommand(os: string, opts: { packages?: string[]; mirror?: string; force?: boolean; json?: boolean }): Promise<void> {
  const buildImage = await imageBuilder(os)
  if (!buildImage) throw new InputError(`no image builder for '${os}'`, 'EL OSes are installed from their ISO by `lab up`; `lab image build debian12` is the one image vmlab builds')
  const agent = identityAgentFiles()
  const started = Date.now()
  const image = await buildImage({
    extraPackages: opts.packages ?? [],
    agent: { files: agent.files, enableUnits: agent.enableUnits },
    ...(opts.mirror ? { mirror: opts.mirror } : {}),
    ...(opts.force ? { force: true } : {}),
    onProgress: (e) =>
      opts.json
        ? process.stdout.write(JSON.stringify({ type: 'info', ...e, time: new Date().toISOString() }) + '\n')
        : process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${e.message}\n`),
  })
  if (opts.json) return printResult({ os, dir: image.dir, built: image.built, elapsedMs: Date.now() - started })
  process.stdout.write(`${image.built ? 'built' : 'found in the cache'} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${image.dir}\n`)
}
