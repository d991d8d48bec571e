#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: there is no build step and no build output.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
