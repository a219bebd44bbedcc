/**
 * A small, generic ONNX graph builder on top of {@link encodeModelProto}: describe nodes, graph
 * inputs/outputs and constant initializers with plain TypeScript values and get model bytes that
 * `ort.InferenceSession.create(bytes)` accepts. Checkpoint conversion (`../arch/`) builds its
 * graphs with it; the tests' tiny models too.
 */
import {
  AttributeType,
  DataType,
  encodeModelProto,
  type AttributeProtoObject,
  type DataTypeCode,
  type DimensionObject,
  type TensorProtoObject,
  type ValueInfoProtoObject,
} from './proto.js';

/** A constant tensor: float32, int32 or int64 data, row-major, with its dims. */
export type TensorSpec =
  | { name: string; dims: number[]; data: Float32Array }
  | { name: string; dims: number[]; data: Int32Array }
  | { name: string; dims: number[]; data: BigInt64Array };

/** A node attribute value, tagged with its ONNX attribute type (ints vs floats matter to ONNX). */
export type AttributeSpec =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorSpec };

/** Shorthands for {@link AttributeSpec}s, e.g. `{ group: attr.int(3), pads: attr.ints([1, 1, 1, 1]) }`. */
export const attr = {
  int: (value: number): AttributeSpec => ({ type: 'int', value }),
  ints: (value: number[]): AttributeSpec => ({ type: 'ints', value }),
  float: (value: number): AttributeSpec => ({ type: 'float', value }),
  floats: (value: number[]): AttributeSpec => ({ type: 'floats', value }),
  string: (value: string): AttributeSpec => ({ type: 'string', value }),
  tensor: (value: TensorSpec): AttributeSpec => ({ type: 'tensor', value }),
};

/** One graph node. Use `''` in `inputs` for an omitted optional input (e.g. Resize's `roi`). */
export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Operator domain; `''` (the default) is ai.onnx. */
  domain?: string;
  attributes?: Record<string, AttributeSpec>;
}

/**
 * A graph input or output. `shape` entries: a number is a fixed dim, a string a symbolic one
 * (`dim_param`, e.g. `'height'`); `shape: undefined` leaves the shape unknown.
 */
export interface ValueSpec {
  name: string;
  elemType?: 'float32' | 'int64';
  shape?: (number | string)[];
}

/** Everything {@link buildModel} needs. */
export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  /** ai.onnx opset version; default 17. */
  opset?: number;
  /** ONNX IR version; default 8. */
  irVersion?: number;
  graphName?: string;
  docString?: string;
}

/**
 * A float32 {@link TensorSpec} holding a copy of `values`; `values.length` must equal the product
 * of `dims`. Large weights already in a Float32Array can be given as `{ name, dims, data }`
 * instead, which {@link buildModel} serializes without a copy of its own.
 */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorSpec {
  return checked({ name, dims, data: Float32Array.from(values) });
}

/** An int64 {@link TensorSpec} (e.g. a Reshape shape or Slice starts). */
export function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): TensorSpec {
  return checked({ name, dims, data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))) });
}

function checked(tensor: TensorSpec): TensorSpec {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new Error(
      `tensor ${tensor.name}: ${tensor.data.length} values for dims [${tensor.dims.join(', ')}]`,
    );
  }
  return tensor;
}

function dataTypeOf(data: TensorSpec['data']): DataTypeCode {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int32Array) return DataType.INT32;
  return DataType.INT64;
}

/** Whether this host stores typed arrays little-endian, as ONNX `raw_data` is (true on x86 and ARM). */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * ONNX `raw_data` is little-endian. On little-endian hosts a tensor's bytes already are, so they
 * are handed over as a view (protobufjs copies them once into the model): converting a 67 MB
 * RRDBNet element by element took seconds. Elsewhere each value goes through a DataView.
 */
function rawBytes(data: TensorSpec['data']): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  for (let k = 0; k < data.length; k += 1) {
    if (data instanceof BigInt64Array) view.setBigInt64(k * 8, data[k] ?? 0n, true);
    else if (data instanceof Int32Array) view.setInt32(k * 4, data[k] ?? 0, true);
    else view.setFloat32(k * 4, data[k] ?? 0, true);
  }
  return out;
}

function tensorProto(tensor: TensorSpec): TensorProtoObject {
  checked(tensor);
  return {
    name: tensor.name,
    dims: [...tensor.dims],
    data_type: dataTypeOf(tensor.data),
    raw_data: rawBytes(tensor.data),
  };
}

function attributeProto(name: string, spec: AttributeSpec): AttributeProtoObject {
  switch (spec.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: spec.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...spec.value] };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: spec.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...spec.value] };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(spec.value) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorProto(spec.value) };
  }
}

function valueInfo(spec: ValueSpec): ValueInfoProtoObject {
  const elem_type = spec.elemType === 'int64' ? DataType.INT64 : DataType.FLOAT;
  const dim = spec.shape?.map((d): DimensionObject =>
    typeof d === 'number' ? { dim_value: d } : { dim_param: d },
  );
  return { name: spec.name, type: { tensor_type: dim ? { elem_type, shape: { dim } } : { elem_type } } };
}

/**
 * Builds and serializes an ONNX model (default opset 17, IR version 8, single graph).
 *
 * @example
 * const bytes = buildModel({
 *   nodes: [{ opType: 'Relu', inputs: ['input'], outputs: ['output'] }],
 *   inputs: [{ name: 'input', shape: [1, 3, 'height', 'width'] }],
 *   outputs: [{ name: 'output', shape: [1, 3, 'height', 'width'] }],
 * });
 */
export function buildModel(spec: ModelSpec): Uint8Array {
  return encodeModelProto({
    ir_version: spec.irVersion ?? 8,
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    producer_name: 'pixelsmith',
    producer_version: '1',
    ...(spec.docString === undefined ? {} : { doc_string: spec.docString }),
    graph: {
      name: spec.graphName ?? 'graph',
      node: spec.nodes.map((node, k) => ({
        input: [...node.inputs],
        output: [...node.outputs],
        name: node.name ?? `${node.opType.toLowerCase()}_${k}`,
        op_type: node.opType,
        domain: node.domain ?? '',
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attributeProto(name, value)),
      })),
      initializer: (spec.initializers ?? []).map(tensorProto),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
}
