// The live terminal view of `pose-edge stream`: one screen redrawn a few times a second with the packet
// rate, drops, CRC errors, inference time and the latest skeleton in braille.
import type { StreamRun } from './live.ts';
import { drawSkeleton } from './braille.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';
import { describeCsiInfo } from '../protocol/messages.ts';

/** `web`: a line saying where the browser view is, when there is one. */
export function renderView(run: StreamRun, source: string, elapsedS: number, web?: string): string {
  const c = run.counters;
  const st = c.lastStats;
  const crcHost = c.hostFaults.crc ?? 0;
  const framing = (c.hostFaults.framing ?? 0) + (c.hostFaults.oversize ?? 0);
  const info = c.info;
  const us = c.lastCycles !== null && info && info.cycleHz > 0 ? ` = ${((c.lastCycles / info.cycleHz) * 1e6).toFixed(1)} µs` : '';
  const lines = [
    // The node's own strings are escaped: they must not be able to drive the terminal.
    `pose-edge stream  ${source}  ${elapsedS.toFixed(0)} s${info ? `  [${escapeTerminal(info.chip)}, firmware ${escapeTerminal(info.firmwareVersion)}, model ${info.modelSha256.slice(0, 12)}…]` : ''}`,
    ...(info ? [describeCsiInfo(info.csi)] : []),
    `packets/s ${run.packetRate()}   CSI packets ${c.csiPackets}   UDP frames ${c.udpFrames} (${c.udpBad} bad, ${c.udpUnusable} unusable` +
      `${c.udpRejected ? `, ${c.udpRejected} from senders not in --udp-allow, last ${c.lastRejectedFrom}` : ''})`,
    `drops: ${c.packetGaps} lost on the link${st ? `, ${st.packetsDropped} dropped on the node (queue high water ${st.queueHighWater})` : ''}`,
    `CRC errors: ${crcHost} host side, framing ${framing}${st ? `; node: ${st.framesBadCrc} CRC, ${st.framesBadFraming} framing, ${st.framesRejected} rejected` : ''}`,
    `keypoints ${c.keypoints}   inference ${c.lastCycles === null ? '-' : `${c.lastCycles} cycles${us}`}${st ? `   node inferences ${st.inferences}` : ''}`,
    '',
    c.lastKeypoints ? drawSkeleton(c.lastKeypoints) : '(no keypoints yet)',
    '',
    ...(web ? [web] : []),
    'Ctrl-C stops',
  ];
  return lines.join('\n');
}
