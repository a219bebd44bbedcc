/**
 * A minimal subset of ONNX's `onnx.proto` (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto),
 * enough to serialize small inference graphs with protobufjs' reflection API. Field numbers are the
 * official ones; fields we never write (training info, functions, sparse tensors, sequence and map
 * types, ...) are left out, which is harmless for protobuf: an absent field is never on the wire.
 *
 * Objects passed to {@link encodeModelProto} use the proto's snake_case field names (the root is
 * parsed with `keepCase`), e.g. `{ ir_version: 8, opset_import: [...], graph: {...} }`.
 */
import protobuf from 'protobufjs';

const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; SPARSE_TENSOR = 11;
    TYPE_PROTO = 13; FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
    SPARSE_TENSORS = 12; TYPE_PROTOS = 14;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7;
    STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

/** The parsed protobufjs root holding the `onnx.*` message types above. */
export const onnxRoot: protobuf.Root = protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root;

const ModelProtoType = onnxRoot.lookupType('onnx.ModelProto');

/** `TensorProto.DataType` values used by the builders (official numbering). */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
/** One of the {@link DataType} codes. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** `AttributeProto.AttributeType` values (official numbering). */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** Plain-object form of `onnx.TensorProto` (only the fields the builders write). */
export interface TensorProtoObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** Plain-object form of `onnx.AttributeProto`. */
export interface AttributeProtoObject {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoObject;
  floats?: number[];
  ints?: number[];
}

/** Plain-object form of `onnx.NodeProto`. */
export interface NodeProtoObject {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeProtoObject[];
}

/** Plain-object form of `onnx.TensorShapeProto.Dimension`: exactly one of the two is set. */
export type DimensionObject = { dim_value: number } | { dim_param: string };

/** Plain-object form of `onnx.ValueInfoProto` for a tensor. */
export interface ValueInfoProtoObject {
  name: string;
  type: { tensor_type: { elem_type: number; shape?: { dim: DimensionObject[] } } };
}

/** Plain-object form of `onnx.GraphProto`. */
export interface GraphProtoObject {
  name: string;
  node: NodeProtoObject[];
  initializer: TensorProtoObject[];
  input: ValueInfoProtoObject[];
  output: ValueInfoProtoObject[];
}

/** Plain-object form of `onnx.ModelProto`. */
export interface ModelProtoObject {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph: GraphProtoObject;
}

/** Serializes a model object to ONNX protobuf bytes; throws if protobufjs finds it malformed. */
export function encodeModelProto(model: ModelProtoObject): Uint8Array {
  const problem = ModelProtoType.verify(model);
  if (problem) throw new Error(`invalid ModelProto: ${problem}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/**
 * Parses ONNX bytes back to a plain object (int64 fields as numbers, bytes as Uint8Array), for
 * tests that inspect a serialized model without running it.
 */
export function decodeModelProto(bytes: Uint8Array): Record<string, unknown> {
  const message = ModelProtoType.decode(bytes);
  return ModelProtoType.toObject(message, { longs: Number, defaults: false, arrays: true });
}
