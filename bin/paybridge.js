#!/usr/bin/env node
// Runs the TypeScript sources through tsx inside this process, so `npx paybridge …` needs no build and is
// never stale. `npm start` and `npm run paybridge -- …` run the compiled build in dist/ instead (README).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/cli.ts');
