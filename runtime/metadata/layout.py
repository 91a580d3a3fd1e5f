"""The metadata wire format (frame-metadata `v14.rs` / `v15.rs`, scale-info's portable
registry), declared with our own codecs. Values are dicts keyed by the field names below
and `Variant`s; type references are registry ids (`Compact<u32>`)."""

from __future__ import annotations

from runtime.codec import BYTES, STR, U8, U32, Compact, Enum, Option, Struct, Tuple, Vec

TY = Compact(U32)
DOCS = Vec(STR)

PRIMITIVES = ["bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256",
              "i8", "i16", "i32", "i64", "i128", "i256"]
FIELD = Struct("Field", [("name", Option(STR)), ("ty", TY), ("type_name", Option(STR)),
                         ("docs", DOCS)])
VARIANT = Struct("Variant", [("name", STR), ("fields", Vec(FIELD)), ("index", U8),
                             ("docs", DOCS)])
TYPE_DEF = Enum("TypeDef", [
    ("Composite", Struct("TypeDefComposite", [("fields", Vec(FIELD))])),
    ("Variant", Struct("TypeDefVariant", [("variants", Vec(VARIANT))])),
    ("Sequence", Struct("TypeDefSequence", [("ty", TY)])),
    ("Array", Struct("TypeDefArray", [("len", U32), ("ty", TY)])),
    ("Tuple", Vec(TY)),
    ("Primitive", Enum("TypeDefPrimitive", [(p, None) for p in PRIMITIVES])),
    ("Compact", Struct("TypeDefCompact", [("ty", TY)])),
])
TYPE = Struct("Type", [
    ("path", Vec(STR)),
    ("params", Vec(Struct("TypeParameter", [("name", STR), ("ty", Option(TY))]))),
    ("def", TYPE_DEF), ("docs", DOCS)])
PORTABLE_REGISTRY = Vec(Struct("PortableType", [("id", TY), ("ty", TYPE)]))

HASHERS = ["Blake2_128", "Blake2_256", "Blake2_128Concat", "Twox128", "Twox256",
           "Twox64Concat", "Identity"]
STORAGE_ENTRY = Struct("StorageEntryMetadata", [
    ("name", STR),
    ("modifier", Enum("StorageEntryModifier", [("Optional", None), ("Default", None)])),
    ("ty", Enum("StorageEntryType", [
        ("Plain", TY),
        ("Map", Struct("Map", [
            ("hashers", Vec(Enum("StorageHasher", [(h, None) for h in HASHERS]))),
            ("key", TY), ("value", TY)])),
    ])),
    ("default", BYTES), ("docs", DOCS)])
PALLET_STORAGE = Struct("PalletStorageMetadata", [("prefix", STR),
                                                  ("entries", Vec(STORAGE_ENTRY))])
TY_REF = Struct("TypeRef", [("ty", TY)])  # PalletCallMetadata, PalletEventMetadata, ...
CONSTANT = Struct("PalletConstantMetadata", [("name", STR), ("ty", TY), ("value", BYTES),
                                             ("docs", DOCS)])
_PALLET_FIELDS = [("name", STR), ("storage", Option(PALLET_STORAGE)), ("calls", Option(TY_REF)),
                  ("event", Option(TY_REF)), ("constants", Vec(CONSTANT)),
                  ("error", Option(TY_REF)), ("index", U8)]
SIGNED_EXTENSION = Struct("SignedExtensionMetadata", [
    ("identifier", STR), ("ty", TY), ("additional_signed", TY)])

METADATA_V14 = Struct("RuntimeMetadataV14", [
    ("types", PORTABLE_REGISTRY),
    ("pallets", Vec(Struct("PalletMetadataV14", _PALLET_FIELDS))),
    ("extrinsic", Struct("ExtrinsicMetadataV14", [
        ("ty", TY), ("version", U8), ("signed_extensions", Vec(SIGNED_EXTENSION))])),
    ("ty", TY),
])

METADATA_V15 = Struct("RuntimeMetadataV15", [
    ("types", PORTABLE_REGISTRY),
    ("pallets", Vec(Struct("PalletMetadataV15", _PALLET_FIELDS + [("docs", DOCS)]))),
    ("extrinsic", Struct("ExtrinsicMetadataV15", [
        ("version", U8), ("address_ty", TY), ("call_ty", TY), ("signature_ty", TY),
        ("extra_ty", TY), ("signed_extensions", Vec(SIGNED_EXTENSION))])),
    ("ty", TY),
    ("apis", Vec(Struct("RuntimeApiMetadata", [
        ("name", STR),
        ("methods", Vec(Struct("RuntimeApiMethodMetadata", [
            ("name", STR),
            ("inputs", Vec(Struct("RuntimeApiMethodParamMetadata", [("name", STR), ("ty", TY)]))),
            ("output", TY), ("docs", DOCS)]))),
        ("docs", DOCS)]))),
    ("outer_enums", Struct("OuterEnums", [
        ("call_enum_ty", TY), ("event_enum_ty", TY), ("error_enum_ty", TY)])),
    ("custom", Struct("CustomMetadata", [
        ("map", Vec(Tuple(STR, Struct("CustomValueMetadata", [("ty", TY), ("value", BYTES)]))))])),
])

MAGIC = b"meta"
