// `pose-edge demo`: the main job on the bundled default model, as a newcomer's first run (`npm run demo`).
// It runs the real subcommands in order, exactly as a user would type them, so the demo can never drift from
// what the tools do: reference accuracy, compile to C, then parity of the virtual node against the reference.
import type { Command } from 'commander';

const STEPS: { title: string; argv: string[] }[] = [
  { title: 'Reference accuracy of micro int4 QAT on the bundled test set (onnxruntime-node)', argv: ['eval'] },
  {
    // Into build/ so a demo run never touches the committed component (regenerating it gives the same bytes).
    title: 'Compile micro int4 to a fixed-point C component for ESP-IDF (build/demo/pose_model)',
    argv: ['compile', '--bits', '4', '--out', 'build/demo/pose_model'],
  },
  {
    title: 'Build the virtual node with that kernel and check parity over its pty (all 512 test windows)',
    argv: ['parity', '--virtual'],
  },
];

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the main job on the bundled model: eval, compile --bits 4, parity --virtual')
    .action(async () => {
      // Imported lazily: program.ts imports this module.
      const { buildProgram } = await import('../program.ts');
      for (const [i, step] of STEPS.entries()) {
        process.stdout.write(`\n== ${i + 1}/${STEPS.length} ${step.title}\n$ pose-edge ${step.argv.join(' ')}\n`);
        await buildProgram().exitOverride().parseAsync(step.argv, { from: 'user' });
        if (process.exitCode && process.exitCode !== 0) return;
      }
      process.stdout.write('\nDone. Next: `pose-edge bench` for speed and size, README.md for a real board.\n');
    });
}
