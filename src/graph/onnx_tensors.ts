import { onnx } from 'onnx-proto';

/** A constant from an ONNX initializer or Constant node, as float64 values with its dims. */
export interface OnnxConstant {
  readonly dims: readonly number[];
  readonly values: Float64Array;
}

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

/** Decodes a TensorProto of float, double, int32 or int64 (raw_data or typed fields); other types throw. */
export function decodeTensor(t: onnx.ITensorProto, where: string): OnnxConstant {
  const dims = (t.dims ?? []).map((d) => Number(d));
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  let values: Float64Array;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  switch (t.dataType) {
    case FLOAT:
      values = view ? Float64Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true)) : Float64Array.from(t.floatData ?? []);
      break;
    case DOUBLE:
      values = view ? Float64Array.from({ length: size }, (_, i) => view.getFloat64(8 * i, true)) : Float64Array.from(t.doubleData ?? []);
      break;
    case INT32:
      values = view ? Float64Array.from({ length: size }, (_, i) => view.getInt32(4 * i, true)) : Float64Array.from(t.int32Data ?? []);
      break;
    case INT64:
      values = view ? Float64Array.from({ length: size }, (_, i) => Number(view.getBigInt64(8 * i, true))) : Float64Array.from((t.int64Data ?? []).map((v) => Number(v)));
      break;
    default:
      throw new Error(`importOnnx: tensor '${t.name}' (${where}) has ONNX data type ${t.dataType}; expected float, double, int32 or int64`);
  }
  if (values.length !== size) throw new Error(`importOnnx: tensor '${t.name}' (${where}) holds ${values.length} values for dims [${dims.join(', ')}]`);
  return { dims, values };
}

/** An attribute's value by name: number, number list, string or tensor; undefined when absent. */
export function attribute(node: onnx.INodeProto, name: string): number | number[] | string | onnx.ITensorProto | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  if (!a) return undefined;
  switch (a.type) {
    case onnx.AttributeProto.AttributeType.FLOAT: return a.f ?? 0;
    case onnx.AttributeProto.AttributeType.INT: return Number(a.i ?? 0);
    case onnx.AttributeProto.AttributeType.INTS: return (a.ints ?? []).map((v) => Number(v));
    case onnx.AttributeProto.AttributeType.FLOATS: return (a.floats ?? []).map(Number);
    case onnx.AttributeProto.AttributeType.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    case onnx.AttributeProto.AttributeType.TENSOR: return a.t ?? undefined;
    default: return undefined;
  }
}
