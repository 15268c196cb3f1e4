#!/usr/bin/env node
// BullMQ worker process entrypoint: the same as `clearsim worker`, for process managers and
// containers that start a script rather than a CLI command. Serves every clearsim run on the
// Redis at --redis (or REDIS_URL) until SIGTERM/SIGINT.
import { main } from '../dist/cli/main.js';
import { exitWhenFlushed } from '../dist/cli/exit.js';

main([process.argv[0], process.argv[1], 'worker', ...process.argv.slice(2)]).then(exitWhenFlushed);
