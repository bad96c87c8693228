// What `bench` counts is what ESP-IDF builds: the compile line of the generated component's C files in a default
// ESP-IDF v5.5 project, reproduced from ESP-IDF itself. The Kconfig defaults come from the ESP-IDF v5.5.5 tree in
// ../shared/esp-idf-check (its Kconfig, and the sdkconfig.h generated from those defaults); the rules that turn
// them into options are src/workflows/bench/idf-flags.ts (tools/cmake/build.cmake, the top-level CMakeLists.txt);
// and CMake itself runs the generated component's CMakeLists.txt, and the firmware's pose_edge_core which compiles
// the same files, under a stand-in for idf_component_register that applies the build's options the way
// tools/cmake/component.cmake does (directory options, then add_library). The compile lines CMake writes to
// compile_commands.json must be bench's, flag for flag, and end with the component's -O2 after ESP-IDF's -Og.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, REPO_ROOT } from '../../../src/paths.ts';
import { compileModel } from '../../../src/compiler/compile.ts';
import { bundledModel, BUNDLED } from '../../../src/bundled.ts';
import { writeDirAtomic } from '../../../src/io/atomic-files.ts';
import {
  IDF_DEFAULT_CONFIG, componentCompileOptions, idfCompileLine, idfConfigFromSdkconfig, rv32ModelFlags,
} from '../../../src/workflows/bench/idf-flags.ts';
import { rv32Sources } from '../../../src/workflows/bench/rv32-build.ts';

const IDF_CHECK = join(REPO_ROOT, '..', 'shared', 'esp-idf-check');

/** A compile command split as a POSIX shell would (CMake quotes with backslashes and double quotes). */
function shellSplit(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let any = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      any = true;
    } else if (c === '"') {
      inQuote = !inQuote;
      any = true;
    } else if (c === ' ' && !inQuote) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push(cur);
  return out;
}

/** The options of a compile line, without the compiler, -D, -I, -o and -c arguments. */
function optionsOf(args: string[]): { options: string[]; defines: string[] } {
  const options: string[] = [];
  const defines: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '-c' || a === '-I') i++;
    else if (a.startsWith('-D')) defines.push(a);
    else if (!a.startsWith('-I') && a.startsWith('-')) options.push(a);
  }
  return { options, defines };
}

describe('bench builds the kernel as a default ESP-IDF v5.5 project does', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = join(mkdtempSync(join(tmpdir(), 'pose-edge-idf-flags-')), 'pose_model');
    const m = bundledModel(4);
    const c = await compileModel({ modelPath: m.modelPath, weightsPath: m.weightsPath, bits: 4, actBits: 8, calibPath: BUNDLED.calib, outDir: modelDir, write: false });
    writeDirAtomic(modelDir, c.files);
  }, 60_000);

  it('takes the Kconfig defaults of ESP-IDF v5.5.5: optimization "Debug" (-Og) and the rest', () => {
    expect(existsSync(join(IDF_CHECK, 'idf', 'Kconfig')), `${IDF_CHECK}: the shared ESP-IDF tree is missing`).toBe(true);
    const kconfig = readFileSync(join(IDF_CHECK, 'idf', 'Kconfig'), 'utf8');
    const choice = /choice COMPILER_OPTIMIZATION\n[\s\S]*?\n\s*default (\S+)/.exec(kconfig);
    expect(choice?.[1]).toBe(`COMPILER_OPTIMIZATION_${IDF_DEFAULT_CONFIG.optimization}`);
    // sdkconfig.h of the ESP32-C3, generated from the Kconfig defaults of that tree (gen_sdkconfig.py)
    const sdk = readFileSync(join(IDF_CHECK, 'targets', 'esp32c3', 'sdkconfig.h'), 'utf8');
    expect(sdk).toMatch(/Kconfig defaults/);
    expect(idfConfigFromSdkconfig(sdk)).toEqual(IDF_DEFAULT_CONFIG);
  });

  it('CMake gives pose_model.c exactly bench\'s compile line, in the component and in pose_edge_core', () => {
    const sdk = readFileSync(join(IDF_CHECK, 'targets', 'esp32c3', 'sdkconfig.h'), 'utf8');
    const line = idfCompileLine(idfConfigFromSdkconfig(sdk), 'gcc');
    const list = (xs: string[]) => xs.map((x) => `"${x.replace(/"/g, '\\"')}"`).join(' ');
    const proj = mkdtempSync(join(tmpdir(), 'pose-edge-idf-cmake-'));
    writeFileSync(join(proj, 'CMakeLists.txt'), `cmake_minimum_required(VERSION 3.16)
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_C_COMPILER_WORKS 1)
# tools/cmake/toolchain-esp32c3.cmake (CMAKE_C_FLAGS)
set(CMAKE_C_FLAGS "${line.toolchain.join(' ')}")
project(idf_flags_check C)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
# tools/cmake/component.cmake, idf_component_register: the build's properties as directory-level options of
# the component's directory, then the library; the component's own CMakeLists.txt continues after it.
macro(idf_component_register)
  cmake_parse_arguments(_ "" "" "SRCS;INCLUDE_DIRS" \${ARGN})
  add_compile_options(${list(line.options)})
  add_compile_definitions(${list(line.definitions.map((d) => d.slice(2)))})
  foreach(option ${list(line.cOptions)})
    add_compile_options($<$<COMPILE_LANGUAGE:C>:\${option}>)
  endforeach()
  get_filename_component(_name "\${CMAKE_CURRENT_LIST_DIR}" NAME)
  set(COMPONENT_LIB __idf_\${_name})
  add_library(\${COMPONENT_LIB} STATIC \${__SRCS})
  target_include_directories(\${COMPONENT_LIB} PUBLIC \${__INCLUDE_DIRS})
endmacro()
add_subdirectory("${modelDir}" pose_model)
set(POSE_MODEL_DIR "${modelDir}")
add_subdirectory("${join(FIRMWARE_DIR, 'components', 'pose_edge_core')}" pose_edge_core)
`);
    const build = join(proj, 'build');
    try {
      execFileSync('cmake', ['-S', proj, '-B', build], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`cmake failed (is cmake installed? apt-get install cmake):\n${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`, { cause: e });
    }
    const cmds = JSON.parse(readFileSync(join(build, 'compile_commands.json'), 'utf8')) as { file: string; command: string; directory: string }[];
    const lineOf = (component: string) => {
      const c = cmds.find((x) => x.file === join(modelDir, 'pose_model.c') && x.directory.endsWith(component));
      expect(c, component).toBeDefined();
      return optionsOf(shellSplit(c!.command).slice(1));
    };
    const bench = rv32Sources(modelDir, 'deployed').find((s) => s.path === join(modelDir, 'pose_model.c'))!;
    expect(bench.cc).toBe('riscv64-unknown-elf-gcc');
    const expected = optionsOf(bench.flags);
    expect(expected.options).toEqual(optionsOf(rv32ModelFlags('deployed', modelDir).model).options);

    const inComponent = lineOf('pose_model');
    expect(inComponent.options).toEqual(expected.options);
    expect(new Set(inComponent.defines)).toEqual(new Set(expected.defines));
    // ESP-IDF's -Og first, the component's options (pose_model.cmake) last: the last -O wins.
    const levels = inComponent.options.filter((o) => /^-O/.test(o));
    expect(levels).toEqual(['-Og', '-O2']);
    expect(inComponent.options.slice(-componentCompileOptions(modelDir).length)).toEqual(componentCompileOptions(modelDir));

    // pose_edge_core adds its own options (warnings, -fno-strict-aliasing) before the model's: the same code
    // generation (gcc: the last -O level; explicit -f/-m options whatever their place).
    const codegen = (xs: string[]) => ({
      level: xs.filter((o) => /^-O/.test(o)).at(-1),
      flags: [...new Set(xs.filter((o) => /^-(f|m|std|-specs)/.test(o)))].sort(),
    });
    const inCore = lineOf('pose_edge_core');
    expect(codegen(inCore.options)).toEqual(codegen(expected.options));
  }, 60_000);

  it('the other variants: clang keeps the component\'s -O2; -Os drops it', () => {
    const clang = rv32ModelFlags('clang', modelDir);
    expect(clang.cc).toBe('clang');
    expect(clang.model.filter((o) => /^-O/.test(o))).toEqual(['-Og', '-O2']);
    expect(rv32ModelFlags('os', modelDir).model.filter((o) => /^-O/.test(o))).toEqual(['-Os']);
  });
});
