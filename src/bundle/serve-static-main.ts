/** `node serve-static-main.js DIR PORT ADDRESS`: the process `lab cache up` starts for the bundle's HTTP server. */
import { serveFolder } from './serve-static.js'

const [dir, port, address] = process.argv.slice(2)
serveFolder(dir!, Number(port), address ?? '0.0.0.0')
