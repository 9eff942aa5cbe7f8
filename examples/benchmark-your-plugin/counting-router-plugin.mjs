// The file to give the harness: an ES module whose default export is a Coord plugin (definePlugin).
// Here it is the counting router of ../custom-plugin, so the benchmark shows what its counting costs.
import { countingRouterPlugin } from '../custom-plugin/counting-router.mjs'

export default countingRouterPlugin()
