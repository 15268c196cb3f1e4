#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds dist/ through the `prepare` script.
import { main } from '../dist/cli/main.js';
import { exitWhenFlushed } from '../dist/cli/exit.js';

// Exit explicitly (after a failed BullMQ run, reconnecting Redis clients must not keep the process
// alive), but only once stdout and stderr have been written out: a pipe may still hold output.
main(process.argv).then(exitWhenFlushed);
