#!/usr/bin/env node
// Entry point for `npx caisi-watch`: the TypeScript is compiled to dist/ by `npm run build` (run by `prepare`).
import { main } from '../dist/src/cli.js';

main();
