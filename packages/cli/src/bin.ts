#!/usr/bin/env node
import { main } from './program.js';

// Exit explicitly: stdout/stderr are synchronous on Linux files and pipes, and a lingering handle must not keep a
// finished command alive.
process.exit(await main(process.argv.slice(2)));
