// INFO version 2 (docs/protocol.md, "HELLO" and "INFO"): the host asks for it with HELLO's payload byte; a
// node older than that refuses such a HELLO (ERROR 3) and is asked again with the empty HELLO, so old
// firmware keeps working (csi: null). `stream` shows the chip and the CSI layout, asks INFO again once CSI
// flows, and reports both in its SUMMARY. Scripted fake nodes on a pty.
import { describe, expect, it } from 'vitest';
import { describeCsiInfo, MessageType, type CsiInfo, type Message } from '../../../src/host/protocol/index.ts';
import { runCliResult } from '../../helpers/cli.ts';
import { ack, errorFor, info, liveNodeAnswer, startFakeNode, type FakeNode, type Script } from '../../helpers/fake-node.ts';

const jsonLines = (text: string): Record<string, any>[] => text.trim().split('\n').map((l) => JSON.parse(l));

async function withFakeNode<T>(script: Script, body: (node: FakeNode) => Promise<T>): Promise<T> {
  const node = await startFakeNode(script);
  try {
    return await body(node);
  } finally {
    await node.close();
  }
}

const packet = (seq: number): Message => ({ type: 'CSI_PACKET', packetSeq: seq, timestampUs: seq, rssi: [-50, -51, -52], linkMask: 7, amplitudes: new Int16Array(342) });
const C6: CsiInfo = { layout: 'c6-ht40', layoutsSeen: ['c6-ht20', 'c6-ht40'], channel: 6, secondChannel: 'below' };

/** A Wi-Fi 6 node: nothing delivered until STREAM_START, then one CSI_PACKET; INFO v2 says so. */
function c6Node(): Script {
  let streaming = false;
  return async (f, node) => {
    const m = f.message;
    if (m.type === 'HELLO') {
      expect(m.infoVersion).toBe(2);
      return [info({ chip: 'esp32c6', csi: streaming ? C6 : { layout: null, layoutsSeen: [], channel: 6, secondChannel: 'below' } })];
    }
    if (m.type === 'STREAM_START') {
      streaming = true;
      await node.send(ack(f));
      return [packet(0)];
    }
    return liveNodeAnswer(f);
  };
}

describe('INFO version 2', () => {
  it('an old node refuses HELLO with a payload: it is asked again with the empty HELLO, stream works, csi is null, no retry counted', async () => {
    const script: Script = (f) => {
      const m = f.message;
      if (m.type === 'HELLO' && m.infoVersion !== undefined) return [errorFor(f, 3, `HELLO (seq ${f.seq}): payload is 1 bytes, expected 0`)];
      return liveNodeAnswer(f);
    };
    await withFakeNode(script, async (node) => {
      const { stdout, err } = await runCliResult('stream', [node.port, '--json', '--duration', '0.3', '--timeout', '500']);
      expect(err).toBeNull();
      expect(node.received.filter((r) => r.message.type === 'HELLO').map((r) => (r.message as { infoVersion?: number }).infoVersion)).toEqual([2, undefined]);
      const lines = jsonLines(stdout);
      const summary = lines.at(-1)!;
      expect(summary).toMatchObject({ type: 'SUMMARY', retries: 0, chip: 'fake', csi: null });
    });
  });

  it('stream shows the chip and the CSI layout, asks INFO again after the first CSI_PACKET, and reports them in SUMMARY', async () => {
    await withFakeNode(c6Node(), async (node) => {
      const { stdout, err } = await runCliResult('stream', [node.port, '--json', '--duration', '0.5', '--timeout', '500']);
      expect(err).toBeNull();
      const lines = jsonLines(stdout);
      const infos = lines.filter((l) => l.type === 'INFO');
      // the INFO of the first HELLO (nothing delivered yet), then the one asked for after the first CSI_PACKET
      expect(infos.map((l) => l.csi.layout)).toEqual([null, 'c6-ht40']);
      expect(node.received.filter((r) => r.message.type === 'HELLO')).toHaveLength(2);
      expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', chip: 'esp32c6', csi: C6 });
    });
    await withFakeNode(c6Node(), async (node) => {
      const { stdout, err } = await runCliResult('stream', [node.port, '--duration', '0.5', '--timeout', '500']);
      expect(err).toBeNull();
      expect(stdout).toContain('[esp32c6, firmware 0.1.0');
      expect(stdout).toContain('CSI: c6-ht40 (ESP32-C6 HT40), channel 6, secondary below; also seen: c6-ht20');
    });
  });

  it('round-trips through the codec and reads as one line', () => {
    const m = info({ csi: C6 });
    expect(MessageType[m.type]).toBe(0x81);
    expect(describeCsiInfo(null)).toBe('CSI layout not reported (firmware before INFO version 2)');
    expect(describeCsiInfo({ layout: null, layoutsSeen: [], channel: null, secondChannel: null })).toBe('CSI: none delivered yet');
    expect(describeCsiInfo({ layout: 'ht40-below', layoutsSeen: ['ht40-below'], channel: null, secondChannel: null })).toBe(
      'CSI: ht40-below (ESP32/S2/S3/C3 HT40, secondary channel below)',
    );
  });
});
