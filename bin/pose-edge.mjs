#!/usr/bin/env node
// Entry point installed as `pose-edge`. The sources are TypeScript; tsx loads them directly so a fresh
// clone needs no build step after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
