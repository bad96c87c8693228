import { describe, expect, it } from 'vitest';
import type { Signals, Transport } from '../../../src/host/transport/transport.ts';
import { classicResetSteps, hardResetSteps, resetKindFor, runResetSteps, usbJtagResetSteps } from '../../../src/host/flash/reset.ts';

/** Records the line states it is asked for; `lines: false` behaves like a pty (ENOTTY). */
class RecordingTransport implements Transport {
  readonly name = 'rec';
  readonly seen: Signals[] = [];
  constructor(private readonly lines: boolean) {}
  async write(): Promise<void> {}
  onData(): () => void {
    return () => {};
  }
  async setSignals(s: Signals): Promise<boolean> {
    if (!this.lines) return false;
    this.seen.push({ ...s });
    return true;
  }
  onClose(): () => void {
    return () => {};
  }
  async setBaudRate(): Promise<void> {}
  async close(): Promise<void> {}
}

// Pin levels on a dev board: asserted line = pin low. EN low = chip held in reset, IO0 low at EN release = download mode.
const pins = (s: Signals): string => `EN=${s.rts ? 0 : 1} IO0=${s.dtr ? 0 : 1}`;

describe('reset sequences', () => {
  it('classic: EN low, then EN released while IO0 is low (download mode), then IO0 released', async () => {
    const t = new RecordingTransport(true);
    expect(await runResetSteps(t, classicResetSteps(0))).toBe(true);
    expect(t.seen.map(pins)).toEqual(['EN=0 IO0=1', 'EN=1 IO0=0', 'EN=1 IO0=1']);
  });

  it('classic alternates the IO0 hold between 50 and 550 ms across attempts', () => {
    const holds = (a: number): number[] => classicResetSteps(a).flatMap((s) => ('wait' in s ? [s.wait] : []));
    expect(holds(0)).toEqual([100, 50]);
    expect(holds(1)).toEqual([100, 550]);
  });

  it('USB-Serial/JTAG sequence is chosen for Espressif VID 0x303A / PID 0x1001 only', async () => {
    expect(resetKindFor({ vendorId: 0x303a, productId: 0x1001 })).toBe('usb-jtag-serial');
    expect(resetKindFor({ vendorId: 0x10c4, productId: 0xea60 })).toBe('classic');
    expect(resetKindFor({})).toBe('classic');
    const t = new RecordingTransport(true);
    await runResetSteps(t, usbJtagResetSteps());
    expect(t.seen.map((s) => `D${+s.dtr} R${+s.rts}`)).toEqual(['D0 R0', 'D1 R0', 'D0 R1', 'D0 R0']);
  });

  it('hard reset pulses EN with IO0 released (boots the application)', async () => {
    const t = new RecordingTransport(true);
    await runResetSteps(t, hardResetSteps('classic'));
    expect(t.seen.map(pins)).toEqual(['EN=0 IO0=1', 'EN=1 IO0=1']);
  });

  it('a link without modem lines (pty, ENOTTY) reports false and stops without error', async () => {
    const t = new RecordingTransport(false);
    expect(await runResetSteps(t, classicResetSteps(0))).toBe(false);
    expect(t.seen).toEqual([]);
  });
});
