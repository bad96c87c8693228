// Reset sequences that put an ESP into its serial download mode, or back into the application.
// On dev boards DTR drives IO0 (BOOT) and RTS drives EN (RESET), both through inverters: asserted = pin low.
// Sources: esptool docs boot-mode-selection, esptool reset.py / espflash reset.rs (timings, facts only).
import type { Signals, Transport } from '../transport/transport.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type ResetKind = 'classic' | 'usb-jtag-serial';

/** Espressif's built-in USB-Serial/JTAG (C3, S3, C6, H2) has its own sequence. */
export function resetKindFor(ids: { vendorId?: number; productId?: number }): ResetKind {
  return ids.vendorId === 0x303a && ids.productId === 0x1001 ? 'usb-jtag-serial' : 'classic';
}

/** A step list so the sequences can be tested on a recording transport without sleeping. */
export type ResetStep = { set: Signals } | { wait: number };

/**
 * Classic: hold EN low with IO0 high, release EN while IO0 is held low, then release IO0. The hold delay
 * alternates 50 ms / 550 ms across attempts because some boards need longer for EN's RC to charge.
 */
export function classicResetSteps(attempt: number): ResetStep[] {
  const hold = attempt % 2 === 0 ? 50 : 550;
  return [
    { set: { dtr: false, rts: true } },
    { wait: 100 },
    { set: { dtr: true, rts: false } },
    { wait: hold },
    { set: { dtr: false, rts: false } },
  ];
}

export function usbJtagResetSteps(): ResetStep[] {
  return [
    { set: { dtr: false, rts: false } },
    { wait: 100 },
    { set: { dtr: true, rts: false } },
    { wait: 100 },
    { set: { dtr: false, rts: true } },
    { wait: 100 },
    { set: { dtr: false, rts: false } },
  ];
}

/** Pulse EN with IO0 released: the chip boots the application. */
export function hardResetSteps(kind: ResetKind): ResetStep[] {
  return [{ set: { dtr: false, rts: true } }, { wait: kind === 'usb-jtag-serial' ? 200 : 100 }, { set: { dtr: false, rts: false } }];
}

/**
 * Runs a sequence. Returns false, having done nothing more, when the link has no modem lines (a pty
 * answers ENOTTY): the caller goes on and relies on the user having put the board in download mode.
 */
export async function runResetSteps(t: Transport, steps: ResetStep[]): Promise<boolean> {
  for (const step of steps) {
    if ('wait' in step) await sleep(step.wait);
    else if (!(await t.setSignals(step.set))) return false;
  }
  return true;
}
