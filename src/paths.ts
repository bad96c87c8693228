// Locations inside the repository that commands use as defaults (the bundled models and data).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MODELS_DIR = join(REPO_ROOT, 'models');
export const DATA_DIR = join(MODELS_DIR, 'data');
export const FIRMWARE_DIR = join(REPO_ROOT, 'firmware');
export const TEMPLATES_DIR = join(REPO_ROOT, 'templates');
