// ESLint (flat config) with typescript-eslint: the recommended rules of both, on every TypeScript file.
// Unused locals and parameters are the compiler's job (tsconfig noUnusedLocals / noUnusedParameters).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', 'firmware/build/', 'models/', 'reference/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      // `while (true)`-style loops and `for (;;)` read well in protocol code.
      'no-constant-condition': ['error', { checkLoops: false }],
      // Matching control characters is the point of the terminal-escaping and framing code and its tests.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read the --json contract of the commands: parsed JSON is untyped by nature.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
