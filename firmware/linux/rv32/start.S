/* Entry point for qemu-riscv32 user mode: the kernel (qemu) has set up the stack and zeroed .bss, so only
 * the global pointer needs loading before main; main's return value goes to exit (syscall 93). picolibc's
 * crt0 is not used because it moves the stack to the top of its linker script's RAM region, which qemu
 * does not map. */
  .section .text.init
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  call main
  li a7, 93
  ecall
