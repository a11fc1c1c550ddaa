/**
 * A one-node ONNX model — Gemm(A, B) with transA/transB — encoded by hand, so
 * the GEMM comparison can run onnxruntime-node (MLAS) on exactly the shapes we
 * time, without the onnx Python package. Only the protobuf fields a Gemm graph
 * needs: ModelProto{ir_version, opset_import, graph}, GraphProto{node, name,
 * input, output}, NodeProto{input, output, op_type, attribute}, ValueInfoProto
 * with a float tensor type and fixed dims (onnx.proto3 field numbers).
 */

/** Protobuf wire encoding: varints, length-delimited fields, and messages as byte arrays. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v > 127) {
    bytes.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return bytes;
}

const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const intField = (field: number, value: number): number[] => [...tag(field, 0), ...varint(value)];
const bytesField = (field: number, bytes: readonly number[]): number[] => [...tag(field, 2), ...varint(bytes.length), ...bytes];
const stringField = (field: number, text: string): number[] => bytesField(field, [...new TextEncoder().encode(text)]);

/** ValueInfoProto: name + TypeProto{tensor_type{elem_type FLOAT = 1, shape{dim{dim_value}}}}. */
function floatTensorInfo(name: string, dims: readonly number[]): number[] {
  const shape = dims.flatMap((d) => bytesField(1, intField(1, d)));
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** AttributeProto of type INT (= 2): name, i, type. */
const intAttribute = (name: string, value: number): number[] => [...stringField(1, name), ...intField(3, value), ...intField(20, 2)];

/** Y (m, n) = op(A)·op(B) with A stored (m, k) or (k, m) and B stored (k, n) or (n, k). */
export function gemmModel(m: number, n: number, k: number, transA: boolean, transB: boolean): Uint8Array {
  const node = [
    ...stringField(1, 'A'), ...stringField(1, 'B'), ...stringField(2, 'Y'), ...stringField(4, 'Gemm'),
    ...bytesField(5, intAttribute('transA', transA ? 1 : 0)), ...bytesField(5, intAttribute('transB', transB ? 1 : 0)),
  ];
  const graph = [
    ...bytesField(1, node), ...stringField(2, 'gemm'),
    ...bytesField(11, floatTensorInfo('A', transA ? [k, m] : [m, k])),
    ...bytesField(11, floatTensorInfo('B', transB ? [n, k] : [k, n])),
    ...bytesField(12, floatTensorInfo('Y', [m, n])),
  ];
  const opset = [...stringField(1, ''), ...intField(2, 13)];
  return Uint8Array.from([...intField(1, 8), ...bytesField(8, opset), ...bytesField(7, graph)]);
}
