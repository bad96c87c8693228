// The compile line ESP-IDF v5.5 gives a component's C file on the ESP32-C3, so that `bench` counts the code
// the real build produces (docs/performance.md, "How each figure is measured"). ESP-IDF assembles it from:
//
//   tools/cmake/toolchain-esp32c3.cmake   CMAKE_C_FLAGS: -march=rv32imc_zicsr_zifencei
//   tools/cmake/build.cmake               __build_set_default_build_specifications: definitions, section
//                                         and warning options, debug information; C: -std=gnu17
//   CMakeLists.txt (top level)            by Kconfig: the optimization level (COMPILER_OPTIMIZATION, default
//                                         "Debug": -Og -fno-shrink-wrap with GCC), -Werror -> -Werror=all
//                                         (COMPILER_DISABLE_DEFAULT_ERRORS, default y), stack protector,
//                                         frame pointer, -msave-restore ...; GCC: -fstrict-volatile-bitfields,
//                                         -fno-jump-tables -fno-tree-switch-conversion; C: -Wno-old-style-declaration
//   tools/cmake/component.cmake           idf_component_register: the build's options as directory options
//                                         (add_compile_options) before add_library, so a component's own
//                                         target_compile_options come after them on the line
//   components/newlib/project_include.cmake   CONFIG_LIBC_PICOLIBC: --specs=picolibc.specs
//
// Left out because they cannot change the code: -fmacro-prefix-map (COMPILER_HIDE_PATHS_MACROS: paths of
// the machine; our C has no __FILE__), include directories, and definitions of other components that the
// kernel does not read. test/workflows/bench/idf-flags.test.ts checks this module against the Kconfig
// defaults of the ESP-IDF v5.5.5 tree in ../shared/esp-idf-check and runs CMake over the generated
// component's CMakeLists.txt (and the firmware's pose_edge_core) to read the real compile line.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './errors.ts';

export type IdfOptimization = 'DEBUG' | 'SIZE' | 'PERF' | 'NONE';

/** The Kconfig choices that change the compile line of a C file. */
export interface IdfConfig {
  optimization: IdfOptimization;
  disableDefaultErrors: boolean;
  stackCheck: 'NONE' | 'NORM' | 'STRONG' | 'ALL';
  saveRestoreLibcalls: boolean;
  framePointer: boolean;
  ehFrame: boolean;
  noMergeConstants: boolean;
  warnWriteStrings: boolean;
  assertionsDisabled: boolean;
}

/** The defaults of ESP-IDF v5.5 for the ESP32-C3 (what `idf.py set-target esp32c3 && idf.py build` uses when
 * sdkconfig.defaults does not change them; the pose-edge firmware's does not). */
export const IDF_DEFAULT_CONFIG: IdfConfig = {
  optimization: 'DEBUG',
  disableDefaultErrors: true,
  stackCheck: 'NONE',
  saveRestoreLibcalls: false,
  framePointer: false,
  ehFrame: false,
  noMergeConstants: false,
  warnWriteStrings: false,
  assertionsDisabled: false,
};

/** Reads the choices above from an sdkconfig.h (as `idf.py build` writes build/config/sdkconfig.h). */
export function idfConfigFromSdkconfig(text: string): IdfConfig {
  const on = (name: string) => new RegExp(`^#define CONFIG_${name} 1$`, 'm').test(text);
  const one = <T extends string>(prefix: string, values: readonly T[]): T => {
    const set = values.filter((v) => on(`${prefix}${v}`));
    if (set.length !== 1) throw new BenchError(`sdkconfig.h: expected exactly one of ${values.map((v) => `CONFIG_${prefix}${v}`).join(', ')}`);
    return set[0];
  };
  return {
    optimization: one('COMPILER_OPTIMIZATION_', ['DEBUG', 'SIZE', 'PERF', 'NONE'] as const),
    disableDefaultErrors: on('COMPILER_DISABLE_DEFAULT_ERRORS'),
    stackCheck: one('COMPILER_STACK_CHECK_MODE_', ['NONE', 'NORM', 'STRONG', 'ALL'] as const),
    saveRestoreLibcalls: on('COMPILER_SAVE_RESTORE_LIBCALLS'),
    framePointer: on('ESP_SYSTEM_USE_FRAME_POINTER'),
    ehFrame: on('ESP_SYSTEM_USE_EH_FRAME'),
    noMergeConstants: on('COMPILER_NO_MERGE_CONSTANTS'),
    warnWriteStrings: on('COMPILER_WARN_WRITE_STRINGS'),
    assertionsDisabled: on('COMPILER_OPTIMIZATION_ASSERTIONS_DISABLE'),
  };
}

export type IdfCompiler = 'gcc' | 'clang';

export interface IdfCompileLine {
  /** CMAKE_C_FLAGS (the toolchain file; for Debian's compilers also the ABI and C library, see below). */
  toolchain: string[];
  /** The build's COMPILE_OPTIONS, in the order ESP-IDF appends them. */
  options: string[];
  definitions: string[];
  /** The build's C_COMPILE_OPTIONS. */
  cOptions: string[];
}

/** The compile line of a C file in any component of a project with this configuration, before the
 * component's own options. Compilers: Espressif's riscv32-esp-elf-gcc is replaced by Debian's
 * riscv64-unknown-elf-gcc 12 (-mabi=ilp32 is the default of the former, explicit for the latter;
 * picolibc is ESP-IDF 5.5's CONFIG_LIBC_PICOLIBC); esp-clang by Debian's clang 14 for riscv32-unknown-elf,
 * whose -march does not know the zicsr/zifencei names (rv32imc implies both in its ISA version). */
export function idfCompileLine(cfg: IdfConfig, compiler: IdfCompiler): IdfCompileLine {
  const gnu = compiler === 'gcc';
  const toolchain = gnu
    ? ['-march=rv32imc_zicsr_zifencei', '-mabi=ilp32', '--specs=picolibc.specs']
    : ['--target=riscv32-unknown-elf', '-march=rv32imc', '-mabi=ilp32', '-isystem', PICOLIBC_INCLUDE];
  // build.cmake, __build_set_default_build_specifications
  const options = [
    '-ffunction-sections', '-fdata-sections',
    '-Wall', '-Werror', '-Wno-error=unused-function', '-Wno-error=unused-variable', '-Wno-error=unused-but-set-variable',
    '-Wno-error=deprecated-declarations', '-Wextra', '-Wno-error=extra', '-Wno-unused-parameter', '-Wno-sign-compare',
    '-Wno-enum-conversion', '-gdwarf-4', '-ggdb',
  ];
  // the top-level CMakeLists.txt, in its order
  const opt: Record<IdfOptimization, string[]> = {
    SIZE: gnu ? ['-Os', '-freorder-blocks'] : ['-Oz'],
    DEBUG: gnu ? ['-Og', '-fno-shrink-wrap'] : ['-Og'],
    NONE: ['-O0'],
    PERF: ['-O2'],
  };
  options.push(...opt[cfg.optimization]);
  if (cfg.saveRestoreLibcalls) options.push('-msave-restore');
  if (!gnu) {
    // (the list ends with -Wno-single-bit-bitfield-constant-conversion, which clang 14 does not know: left out)
    options.push('-Wno-documentation', '-Wno-typedef-redefinition', '-Wno-char-subscripts', '-Wno-format-security',
      '-Wno-tautological-pointer-compare', '-Wno-pointer-bool-conversion', '-Wno-string-concatenation', '-Wno-enum-conversion',
      '-Wno-section', '-Wno-unknown-attributes', '-Wno-atomic-alignment', '-Wno-unused-but-set-variable', '-Wno-unused-function',
      '-Wno-gnu-variable-sized-type-not-at-end', '-Wno-constant-logical-operand', '-Wno-c2x-extensions', '-Wno-extern-c-compat');
  }
  if (cfg.warnWriteStrings) options.push('-Wwrite-strings');
  if (cfg.noMergeConstants) options.push('-fno-merge-constants');
  const stack = { NONE: [], NORM: ['-fstack-protector'], STRONG: ['-fstack-protector-strong'], ALL: ['-fstack-protector-all'] };
  options.push(...stack[cfg.stackCheck]);
  if (cfg.disableDefaultErrors && gnu) options[options.indexOf('-Werror')] = '-Werror=all';
  if (gnu) options.push('-fstrict-volatile-bitfields');
  if (cfg.ehFrame) options.push('-fasynchronous-unwind-tables');
  if (cfg.framePointer) options.push('-fno-omit-frame-pointer', ...(gnu ? ['-mno-omit-leaf-frame-pointer'] : []));
  options.push('-fno-jump-tables', ...(gnu ? ['-fno-tree-switch-conversion'] : []));
  if (!gnu) options.push('-fno-use-cxa-atexit');
  const definitions = [
    '-D_GLIBCXX_USE_POSIX_SEMAPHORE', '-D_GLIBCXX_HAVE_POSIX_SEMAPHORE', '-D_GNU_SOURCE', '-DIDF_VER="v5.5.5"', '-DESP_PLATFORM',
    ...(cfg.assertionsDisabled ? ['-DNDEBUG'] : []),
  ];
  return { toolchain, options, definitions, cOptions: ['-std=gnu17', ...(gnu ? ['-Wno-old-style-declaration'] : [])] };
}

/** Where Debian's picolibc keeps its headers (clang has no specs file to find them). */
export const PICOLIBC_INCLUDE = '/usr/lib/picolibc/riscv64-unknown-elf/include';

/** The component's own options (POSE_MODEL_COMPILE_OPTIONS of its pose_model.cmake). */
export function componentCompileOptions(modelDir: string): string[] {
  const path = join(modelDir, 'pose_model.cmake');
  if (!existsSync(path)) throw new BenchError(`${path}: missing (a component from an older pose-edge? recompile it with \`pose-edge compile\`)`);
  const m = /^set\(POSE_MODEL_COMPILE_OPTIONS([^)]*)\)/m.exec(readFileSync(path, 'utf8'));
  if (!m) throw new BenchError(`${path}: no set(POSE_MODEL_COMPILE_OPTIONS ...)`);
  return m[1].trim().split(/\s+/).filter(Boolean);
}

/** The variants `bench` counts on rv32imc:
 *  - deployed: gcc, a default ESP-IDF v5.5 project (-Og), then the component's options: what ships;
 *  - clang: the same project and component built by clang 14 (rv32InstructionsClang);
 *  - os: gcc, a project set to "Optimize for size" (-Os) whose build drops the component's -O option:
 *    how fast the kernels are by construction when nothing raises the level for them (rv32InstructionsOs). */
export type Rv32Variant = 'deployed' | 'clang' | 'os';

export interface Rv32Flags {
  cc: string;
  /** Compile options of the model's C files, in compile-line order (without -I, -c, -o). */
  model: string[];
}

export function rv32ModelFlags(variant: Rv32Variant, modelDir: string): Rv32Flags {
  const compiler: IdfCompiler = variant === 'clang' ? 'clang' : 'gcc';
  const cfg: IdfConfig = variant === 'os' ? { ...IDF_DEFAULT_CONFIG, optimization: 'SIZE' } : IDF_DEFAULT_CONFIG;
  const line = idfCompileLine(cfg, compiler);
  const own = componentCompileOptions(modelDir).filter((f) => variant !== 'os' || !/^-O/.test(f));
  return {
    cc: compiler === 'gcc' ? 'riscv64-unknown-elf-gcc' : 'clang',
    model: [...line.toolchain, ...line.definitions, ...line.options, ...line.cOptions, ...own],
  };
}
