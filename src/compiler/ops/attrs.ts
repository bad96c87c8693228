// Typed access to an ONNX node's attributes; a missing required attribute or a wrong attribute type is an
// error naming the node, never an undefined that surfaces later as NaN.
import type { onnx } from 'onnx-proto';
import { describeNode, UnsupportedOpError, type NodeRef } from '../ir/errors.ts';

/** protobufjs decodes int64 as a Long object (long.js) or a number; `long` is not our dependency, so duck-type it. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export interface AttrReader {
  has(name: string): boolean;
  int(name: string, fallback?: number): number;
  ints(name: string, fallback?: number[]): number[];
  float(name: string, fallback?: number): number;
  floats(name: string, fallback?: number[]): number[];
  string(name: string, fallback?: string): string;
  tensor(name: string): onnx.ITensorProto;
}

// AttributeProto.AttributeType values from the ONNX spec.
const FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7;

export function attrReader(list: readonly onnx.IAttributeProto[], node: NodeRef): AttrReader {
  const byName = new Map(list.map((a) => [a.name ?? '', a]));
  const get = (name: string, type: number, typeName: string): onnx.IAttributeProto | undefined => {
    const a = byName.get(name);
    if (a && a.type !== type && a.type !== undefined && a.type !== null && a.type !== 0) {
      throw new UnsupportedOpError(`${describeNode(node)}: attribute ${name} should be ${typeName} (got attribute type ${a.type})`);
    }
    return a;
  };
  const missing = (name: string): never => {
    throw new UnsupportedOpError(`${describeNode(node)}: required attribute ${name} is missing`);
  };
  return {
    has: (name) => byName.has(name),
    int: (name, fallback) => {
      const a = get(name, INT, 'an int');
      return a ? toNumber(a.i) : fallback ?? missing(name);
    },
    ints: (name, fallback) => {
      const a = get(name, INTS, 'a list of ints');
      return a ? (a.ints ?? []).map(toNumber) : fallback ?? missing(name);
    },
    float: (name, fallback) => {
      const a = get(name, FLOAT, 'a float');
      return a ? a.f ?? 0 : fallback ?? missing(name);
    },
    floats: (name, fallback) => {
      const a = get(name, FLOATS, 'a list of floats');
      return a ? [...(a.floats ?? [])] : fallback ?? missing(name);
    },
    string: (name, fallback) => {
      const a = get(name, STRING, 'a string');
      return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback ?? missing(name);
    },
    tensor: (name) => {
      const a = get(name, TENSOR, 'a tensor');
      return a?.t ?? missing(name);
    },
  };
}
