#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds dist/ through the `prepare` script.
import { main } from '../dist/cli/main.js';

// Exit explicitly: after a failed BullMQ run, reconnecting Redis clients must not keep the process alive.
main(process.argv).then((code) => process.exit(code));
