/**
 * Uniform structs declared once in TypeScript: the WGSL `struct` text each kernel module includes
 * and the host-side packing both come from the declaration, so a field is named in one place and
 * packed by name, never by position.
 *
 * Fields are 4-byte scalars (u32, f32) or a fixed-length array of a nested struct of scalars (the
 * fused step's per-layer shapes). Offsets follow WGSL's uniform address-space rules: scalars are
 * 4-aligned; an array member (and its element stride) is aligned to 16 bytes; the struct's size is
 * rounded up to 16. Padding the rules require is inserted as `_padN` fields, written out in the WGSL
 * so the offsets are visible to a reader of the generated text.
 */

/** A 4-byte scalar type. */
export type ScalarType = 'u32' | 'f32';

/** One declared field: its type and a one-line comment for the generated WGSL. */
export type FieldDeclaration =
  | { readonly type: ScalarType; readonly doc: string }
  | { readonly type: WgslStruct; readonly length: number | { readonly constant: string; readonly value: number }; readonly doc: string };

/** A uniform struct as declared, with the layout computed from the declaration. */
export interface WgslStruct {
  /** The WGSL type name, e.g. "ForwardParams". */
  readonly name: string;
  /** The declared fields in order (padding excluded). */
  readonly fields: Readonly<Record<string, FieldDeclaration>>;
  /** Size in bytes, a multiple of 16. */
  readonly size: number;
  /** The WGSL `struct` declaration, padding fields included. */
  readonly wgsl: string;
  /** Byte offset of each declared scalar field (array fields are packed through their element struct). */
  readonly offsets: Readonly<Record<string, number>>;
}

type ArrayField = Extract<FieldDeclaration, { length: unknown }>;

function isArrayField(declaration: FieldDeclaration): declaration is ArrayField {
  return 'length' in declaration;
}

/** Number of elements of an array field. */
function elementCount(declaration: ArrayField): number {
  return typeof declaration.length === 'number' ? declaration.length : declaration.length.value;
}

/** A field's value for packing: a number for a scalar, one record per element for an array (missing elements are zero). */
export type FieldValue = number | readonly Readonly<Record<string, FieldValue>>[];

const ROUND = 16;

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/**
 * Declares a struct. Padding is placed where WGSL's uniform rules need it, so the WGSL text and
 * the packing agree by construction.
 */
export function defineStruct(name: string, fields: Record<string, FieldDeclaration>): WgslStruct {
  const lines: string[] = [];
  const offsets: Record<string, number> = {};
  let offset = 0;
  let pads = 0;
  const pad = (to: number) => {
    for (; offset < to; offset += 4) lines.push(`  _pad${pads++}: u32,`);
  };
  for (const [field, declaration] of Object.entries(fields)) {
    if (!isArrayField(declaration)) {
      offsets[field] = offset;
      lines.push(`  // ${declaration.doc}`, `  ${field}: ${declaration.type},`);
      offset += 4;
      continue;
    }
    const element = declaration.type;
    if (element.size % ROUND !== 0) throw new Error(`${name}.${field}: an array element must be a multiple of ${ROUND} bytes in a uniform, ${element.name} is ${element.size}`);
    const { length } = declaration;
    pad(roundUp(offset, ROUND));
    offsets[field] = offset;
    lines.push(`  // ${declaration.doc}`, `  ${field}: array<${element.name}, ${typeof length === 'number' ? length : length.constant}>,`);
    offset += elementCount(declaration) * element.size;
  }
  pad(roundUp(Math.max(offset, 4), ROUND));
  const size = offset;
  const wgsl = `struct ${name} {\n${lines.join('\n')}\n}\n`;
  return { name, fields, size, wgsl, offsets };
}

/**
 * Writes `values` into `view` at `base` following `struct`'s layout. Every declared field must be
 * given (an array may give fewer elements than its length: the rest stay zero); an unknown name
 * is refused, so a renamed field cannot be left unpacked silently.
 */
function writeStruct(struct: WgslStruct, values: Readonly<Record<string, FieldValue>>, view: DataView, base: number): void {
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(struct.fields, name)) throw new Error(`${struct.name} has no field ${JSON.stringify(name)}; its fields are ${Object.keys(struct.fields).join(', ')}`);
  }
  for (const [name, declaration] of Object.entries(struct.fields)) {
    const value = values[name];
    if (value === undefined) throw new Error(`${struct.name}.${name} was not given a value`);
    const at = base + struct.offsets[name];
    if (!isArrayField(declaration)) {
      if (typeof value !== 'number') throw new Error(`${struct.name}.${name} is a ${declaration.type}, got a list`);
      if (declaration.type === 'f32') view.setFloat32(at, value, true);
      else if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) view.setUint32(at, value, true);
      else throw new Error(`${struct.name}.${name} is a u32, got ${value}`);
      continue;
    }
    const element = declaration.type;
    const length = elementCount(declaration);
    if (typeof value === 'number' || value.length > length) throw new Error(`${struct.name}.${name} takes up to ${length} ${element.name} records`);
    value.forEach((record, i) => writeStruct(element, record, view, at + i * element.size));
  }
}

/** The bytes of one `struct`, packed by field name. */
export function packStruct(struct: WgslStruct, values: Readonly<Record<string, FieldValue>>): ArrayBuffer {
  const buffer = new ArrayBuffer(struct.size);
  writeStruct(struct, values, new DataView(buffer), 0);
  return buffer;
}

/** Packs `struct` into `target` at byte `offset` (e.g. one step's slot of a per-step uniform buffer). */
export function packStructInto(struct: WgslStruct, values: Readonly<Record<string, FieldValue>>, target: ArrayBuffer, offset: number): void {
  writeStruct(struct, values, new DataView(target), offset);
}
