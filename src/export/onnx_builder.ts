import { onnx } from 'onnx-proto';

/** Element types the exporter writes. */
export type OnnxDtype = 'float' | 'int8' | 'uint8' | 'int32' | 'int64';

const DATA_TYPE: Record<OnnxDtype, number> = {
  float: onnx.TensorProto.DataType.FLOAT, int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8, int32: onnx.TensorProto.DataType.INT32, int64: onnx.TensorProto.DataType.INT64,
};

/** An initializer from numbers, stored little-endian in raw_data. */
export function onnxTensor(name: string, dtype: OnnxDtype, dims: readonly number[], data: ArrayLike<number>): onnx.ITensorProto {
  const typed = dtype === 'float' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : dtype === 'int8' ? Int8Array.from(data)
    : dtype === 'int64' ? BigInt64Array.from(Array.from(data, (v) => BigInt(v))) : Uint8Array.from(data);
  return { name, dataType: DATA_TYPE[dtype], dims: [...dims], rawData: new Uint8Array(typed.buffer) };
}

/** A graph input or output with a symbolic batch dimension. */
export function onnxValueInfo(name: string, dims: readonly (number | null)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DATA_TYPE.float, shape: { dim: dims.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })) } } },
  };
}

export type AttributeValue = number | readonly number[] | string | { readonly float: number };

/** A node; integer attributes as numbers or lists, strings as strings, floats as { float }. */
export function onnxNode(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttributeValue> = {}): onnx.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([key, v]): onnx.IAttributeProto => {
    if (typeof v === 'string') return { name: key, type: T.STRING, s: new TextEncoder().encode(v) };
    if (typeof v === 'number') return { name: key, type: T.INT, i: v };
    if ('float' in v) return { name: key, type: T.FLOAT, f: (v as { float: number }).float };
    return { name: key, type: T.INTS, ints: [...(v as readonly number[])] };
  });
  return { opType, name, input: [...inputs], output: [...outputs], attribute };
}

/** Serialises a model with one graph at the given opset of the default domain. */
export function encodeOnnxModel(graph: onnx.IGraphProto, opset: number): Uint8Array {
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'quantscope', opsetImport: [{ domain: '', version: opset }], graph });
  return onnx.ModelProto.encode(model).finish();
}
