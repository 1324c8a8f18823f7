//! Text that names values, as SPEC.md states it: typed values from text
//! (§8.6 "Values from text") and region strings (§7.4). Each row of those
//! tables is checked here, accepted and refused forms alike.

use std::io::Cursor;

use tribit::table::{parse_field, ColumnType, Value};
use tribit::{ErrorKind, Reader, Region, WriterBuilder};

fn ok(text: &str, ty: ColumnType) -> Value<'_> {
    parse_field(text, ty, false).unwrap_or_else(|e| panic!("'{text}' as {}: {e}", ty.name()))
}

fn refused(text: &str, ty: ColumnType) -> String {
    match parse_field(text, ty, false) {
        Ok(v) => panic!("'{text}' as {} parsed as {v:?}", ty.name()),
        Err(e) => e,
    }
}

#[test]
fn empty_text_is_null_only_in_a_nullable_column() {
    for ty in [
        ColumnType::Bool,
        ColumnType::I32,
        ColumnType::U8,
        ColumnType::F64,
        ColumnType::Dict,
    ] {
        assert_eq!(parse_field("", ty, true), Ok(Value::Null), "{}", ty.name());
    }
    assert_eq!(ok("", ColumnType::Dict), Value::Str(""));
    assert_eq!(ok("", ColumnType::Str(4)), Value::Str(""));
    refused("", ColumnType::I64);
    refused("", ColumnType::Bool);
}

#[test]
fn bool_is_lowercase_true_or_false() {
    assert_eq!(ok("true", ColumnType::Bool), Value::Bool(true));
    assert_eq!(ok("false", ColumnType::Bool), Value::Bool(false));
    for t in ["TRUE", "True", "1", "yes", " true"] {
        refused(t, ColumnType::Bool);
    }
}

#[test]
fn integers_are_signed_decimal_digits_in_range() {
    assert_eq!(ok("+5", ColumnType::I8), Value::Int(5));
    assert_eq!(ok("-0", ColumnType::I16), Value::Int(0));
    assert_eq!(ok("-128", ColumnType::I8), Value::Int(-128));
    assert!(refused("128", ColumnType::I8).contains("out of range"));
    assert!(refused("99999999999999999999", ColumnType::I64).contains("out of range"));
    for t in ["1.0", "1e3", "0x10", "1_000", " 5", "5 ", "+", "-"] {
        refused(t, ColumnType::I64);
    }
    assert_eq!(ok("+255", ColumnType::U8), Value::UInt(255));
    assert!(refused("256", ColumnType::U8).contains("out of range"));
    assert!(refused("-1", ColumnType::U32).contains("out of range"));
    assert!(refused("-0", ColumnType::U64).contains("out of range"));
}

#[test]
fn floats_round_to_nearest_and_keep_nan_and_sign_bits() {
    let bits64 = |t: &str| match ok(t, ColumnType::F64) {
        Value::F64(v) => v.to_bits(),
        v => panic!("{v:?}"),
    };
    let bits32 = |t: &str| match ok(t, ColumnType::F32) {
        Value::F32(v) => v.to_bits(),
        v => panic!("{v:?}"),
    };
    assert_eq!(bits64("nan"), 0x7FF8_0000_0000_0000);
    assert_eq!(bits64("NaN"), 0x7FF8_0000_0000_0000);
    assert_eq!(bits64("-nan"), 0xFFF8_0000_0000_0000);
    assert_eq!(bits32("nan"), 0x7FC0_0000);
    assert_eq!(bits64("-Infinity"), f64::NEG_INFINITY.to_bits());
    assert_eq!(bits64("inf"), f64::INFINITY.to_bits());
    assert_eq!(bits64(".5"), 0.5f64.to_bits());
    assert_eq!(bits64("1."), 1.0f64.to_bits());
    assert_eq!(bits64("6.02e23"), 6.02e23f64.to_bits());
    assert_eq!(bits64("-0.0"), (-0.0f64).to_bits());
    // Rounds to zero, keeping its sign.
    assert_eq!(bits64("-1e-400"), (-0.0f64).to_bits());
    // 0.1 as an f32 is the f32 nearest 0.1, not the f64 one narrowed twice.
    assert_eq!(bits32("0.1"), 0.1f32.to_bits());
    assert!(refused("1e400", ColumnType::F64).contains("overflows"));
    assert!(refused("1e39", ColumnType::F32).contains("overflows"));
    for t in ["1e", " 1", "1,5", "0x1p3", "1_0"] {
        refused(t, ColumnType::F64);
    }
}

#[test]
fn strings_fit_their_width_and_hold_no_nul() {
    assert_eq!(ok("ACGT", ColumnType::Str(4)), Value::Str("ACGT"));
    assert!(refused("ACGTA", ColumnType::Str(4)).contains("longer than the column width 4"));
    assert!(refused("A\0", ColumnType::Str(4)).contains("NUL"));
    assert_eq!(ok(" any text ", ColumnType::Dict), Value::Str(" any text "));
}

fn genome() -> Reader {
    let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
    w.add_sequence(b"chr1", b"ACGTACGTAC", 60).unwrap();
    w.add_sequence(b"HLA:01", b"GGGG", 60).unwrap();
    Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

#[test]
fn region_forms_are_the_ones_spec_lists() {
    let r = genome();
    let span = |t: &str| {
        let g = Region::resolve(&r, t).unwrap_or_else(|e| panic!("{t}: {e}"));
        (g.index, g.start, g.end)
    };
    assert_eq!(span("chr1"), (0, 0, 10));
    assert_eq!(span("chr1:3"), (0, 2, 10));
    assert_eq!(span("chr1:3-"), (0, 2, 10));
    assert_eq!(span("chr1:3-5"), (0, 2, 5));
    assert_eq!(span("chr1:-3"), (0, 0, 3));
    assert_eq!(span("chr1:1,0-1,0"), (0, 9, 10));
    // A whole name wins over name:coordinates; otherwise the last ':' splits.
    assert_eq!(span("HLA:01"), (1, 0, 4));
    assert_eq!(span("HLA:01:2-3"), (1, 1, 3));
    // An end past the sequence is clipped.
    let g = Region::resolve(&r, "chr1:9-99").unwrap();
    assert_eq!((g.start, g.end, g.clipped), (8, 10, true));
    for (t, kind) in [
        ("chr1:", ErrorKind::Input),
        ("chr1:-", ErrorKind::Input),
        ("chr1:+3", ErrorKind::Input),
        ("chr1: 3", ErrorKind::Input),
        ("chr1:99999999999999999999", ErrorKind::Input),
        ("chr1:0-3", ErrorKind::Range),
        ("chr1:5-4", ErrorKind::Range),
        ("chr1:11", ErrorKind::Range),
        ("chr2:1-3", ErrorKind::NotFound),
    ] {
        let e = Region::resolve(&r, t).unwrap_err();
        assert_eq!(e.kind(), kind, "{t}: {e}");
    }
}
