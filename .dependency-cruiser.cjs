// The layers of src/ (design.md, "Parts and their rooms"), enforced in CI (`npm run lint`):
//   bottom   errors.ts, paths.ts, version.ts, bundled.ts, io/, data/
//   middle   compiler/, host/, eval/ (eval may use the compiler's reference model)
//   above    workflows/ (parity, bench: compile + talk to a node + evaluate)
//   top      cli/
// Nothing imports upward, and nothing in src/ imports the bench/ scripts or the tests.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'cli-is-the-top',
      comment: 'Only the CLI may import the CLI.',
      severity: 'error',
      from: { path: '^src/(?!cli/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'workflows-above-compiler-and-host',
      comment: 'The compiler, the device layer, eval and the bottom layer never import a workflow.',
      severity: 'error',
      from: { path: '^src/(compiler|host|eval|io|data)/|^src/[^/]+\\.ts$' },
      to: { path: '^src/workflows/' },
    },
    {
      name: 'bottom-layer',
      comment: 'io/, data/ and the root modules use nothing above them.',
      severity: 'error',
      from: { path: '^src/(io|data)/|^src/[^/]+\\.ts$' },
      to: { path: '^src/(compiler|host|eval|workflows|cli)/' },
    },
    {
      name: 'compiler-independent-of-devices',
      comment: 'The compiler knows nothing of nodes, ports or evaluation.',
      severity: 'error',
      from: { path: '^src/compiler/' },
      to: { path: '^src/(host|eval)/' },
    },
    {
      name: 'host-independent-of-compiler',
      comment: 'Talking to a node does not need the compiler or evaluation (workflows combine them).',
      severity: 'error',
      from: { path: '^src/host/' },
      to: { path: '^src/(compiler|eval)/' },
    },
    {
      name: 'eval-independent-of-devices',
      severity: 'error',
      from: { path: '^src/eval/' },
      to: { path: '^src/host/' },
    },
    {
      name: 'src-does-not-import-scripts-or-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|test)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles at run time (type-only imports, e.g. QOp <-> its kernels, and lazy imports are fine).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'dynamic-import'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
