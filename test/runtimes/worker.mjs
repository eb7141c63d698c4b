// The workerd entry: the shared app as a module worker. Its stores are created when this
// module is evaluated, in workerd's global scope.
import { createApp } from './app.mjs'

export default createApp('workerd')
