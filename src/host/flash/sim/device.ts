// A simulated ROM loader on its own pty pair: the host opens `port` exactly like a USB UART.
import { createPtyPair, type PtyPair } from '../../transport/pty-pair.ts';
import { SerialTransport } from '../../transport/serial.ts';
import { RomSimulator, type SimOptions } from './rom-sim.ts';

export interface SimulatedDevice {
  /** Path for the host side (pass it to `pose-edge flash`). */
  port: string;
  sim: RomSimulator;
  close(): Promise<void>;
}

export async function startSimulatedDevice(opts: SimOptions): Promise<SimulatedDevice> {
  const pair: PtyPair = await createPtyPair();
  try {
    const transport = await SerialTransport.open(pair.device, 115200);
    const sim = new RomSimulator(transport, opts);
    return {
      port: pair.host,
      sim,
      close: async () => {
        await sim.close();
        await pair.close();
      },
    };
  } catch (e) {
    await pair.close();
    throw e;
  }
}
