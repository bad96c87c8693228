import { describe, expect, it } from 'vitest';
import {
  dataChecksum,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  Op,
  u32le,
} from '../../../src/host/flash/protocol.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ROM-loader packets', () => {
  it('encodes SYNC as in Espressif serial-protocol docs: 00 08 2400 00000000 07071220 55*32', () => {
    const sync = Buffer.concat([hex('07071220'), Buffer.alloc(32, 0x55)]);
    expect(toHex(encodeRequest(Op.SYNC, sync))).toBe(`0008240000000000${'07071220'}${'55'.repeat(32)}`);
  });

  it('decodes the documented ROM SYNC reply 010804000707122000000000 (4 status bytes, all zero)', () => {
    const r = decodeResponse(hex('010804000707122000000000'));
    expect(r).toEqual({ op: 0x08, val: 0x20120707, body: new Uint8Array(0), status: 0, error: 0, statusLen: 4 });
  });

  it('reads the status from the last 4 bytes of a ROM reply and keeps the body before them', () => {
    const md5 = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
    const r = decodeResponse(encodeResponse(Op.SPI_FLASH_MD5, 0, md5, hex('00000000')))!;
    expect(new TextDecoder().decode(r.body)).toBe('0123456789abcdef0123456789abcdef');
    const bad = decodeResponse(hex('0103040000000000 01070000'))!;
    expect([bad.status, bad.error]).toEqual([1, 7]);
  });

  it('reads a 2-byte (stub-style) status when the reply is that short', () => {
    const r = decodeResponse(hex('0114020000000000 0105'))!;
    expect([r.status, r.error, r.body.length, r.statusLen]).toEqual([1, 5, 0, 2]);
  });

  it('rejects frames whose length field disagrees with their size, or with the wrong direction byte', () => {
    expect(decodeResponse(hex('01080500 07071220 00000000'))).toBeNull();
    expect(decodeResponse(hex('00080400 07071220 00000000'))).toBeNull();
    expect(decodeRequest(hex('00030200 ef000000 aa'))).toBeNull();
    expect(decodeRequest(hex('01030100 ef000000 aa'))).toBeNull();
  });

  it('data checksum: 0xEF xor every payload byte (worked example)', () => {
    expect(dataChecksum(new Uint8Array(0))).toBe(0xef);
    expect(dataChecksum(hex('01 02 04'))).toBe(0xef ^ 0x07);
    expect(dataChecksum(hex('ef'))).toBe(0);
  });

  it('FLASH_DATA request carries len, seq, 0, 0, data and the checksum in the header (ef^de^ad^be^ef = cd)', () => {
    const block = hex('de ad be ef');
    const pkt = encodeRequest(Op.FLASH_DATA, Buffer.concat([u32le(4, 7, 0, 0), block]), dataChecksum(block));
    expect(toHex(pkt)).toBe('00031400' + 'cd000000' + '04000000' + '07000000' + '00000000' + '00000000' + 'deadbeef');
    const back = decodeRequest(pkt)!;
    expect([back.op, back.chk, back.data.length]).toEqual([Op.FLASH_DATA, 0xcd, 20]);
  });
});
