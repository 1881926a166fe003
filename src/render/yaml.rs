//! YAML exactly as serde_yaml writes it, written faster for the common case.
//!
//! serde_yaml sends every key and value through libyaml's emitter, which costs about a
//! microsecond per line: most of the time of the Compose and Prometheus renders of a large
//! stack (BENCHMARKS.md). The files are block YAML with short ASCII scalars, which this module
//! writes itself, byte for byte as serde_yaml would. Anything else (a string with a line break,
//! a tab or a character outside printable ASCII, a float, an enum with data, a long or
//! tag-like key) is left to serde_yaml, for the whole document. Property tests hold the two to
//! the same output.

use serde::ser::{self, Serialize};
use std::fmt::Write as _;

/// Appends `value` to `out` as serde_yaml's `to_string` would write it.
pub fn write(out: &mut String, value: &impl Serialize) -> Result<(), serde_yaml::Error> {
    let start = out.len();
    if fast(out, value, false).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    out.push_str(&serde_yaml::to_string(value)?);
    Ok(())
}

/// Appends `value` to `out` as `write` would, with the plain scalars a YAML 1.1 reader would
/// not read as strings quoted (`super::yaml11`): in one pass where this writer writes the
/// document, else serde_yaml's text quoted afterwards.
pub fn write_yaml11(out: &mut String, value: &impl Serialize) -> Result<(), serde_yaml::Error> {
    let start = out.len();
    if fast(out, value, true).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    super::yaml11::quote_for_yaml11_into(out, &serde_yaml::to_string(value)?);
    Ok(())
}

/// This module's writer alone: `Err` where it leaves the document to serde_yaml. With
/// `yaml11`, a plain scalar YAML 1.1 reads as something else is single-quoted.
fn fast(out: &mut String, value: &impl Serialize, yaml11: bool) -> Result<(), Unsupported> {
    let mut writer = Writer {
        out,
        slot: Slot::Root,
        frames: Vec::new(),
        yaml11,
    };
    value.serialize(&mut writer)
}

/// Something this writer does not write the way serde_yaml would.
#[derive(Debug)]
pub struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("left to serde_yaml")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// Where the next node goes.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The document itself.
    Root,
    /// After `key:` of a mapping whose keys are at this column.
    Value(usize),
    /// After `- ` at this column.
    Item(usize),
}

/// A mapping or sequence being written.
#[derive(Debug)]
struct Frame {
    /// The slot it was written in.
    slot: Slot,
    /// The column of its keys or dashes.
    column: usize,
    /// Entries written so far.
    count: usize,
}

impl Frame {
    fn new(slot: Slot, mapping: bool) -> Frame {
        let column = match slot {
            Slot::Root => 0,
            // A mapping's keys go two deeper; a sequence's dashes stay at the key's column.
            Slot::Value(column) if mapping => column + 2,
            Slot::Value(column) => column,
            Slot::Item(column) => column + 2,
        };
        Frame {
            slot,
            column,
            count: 0,
        }
    }
}

struct Writer<'a> {
    out: &'a mut String,
    /// The slot of the next node.
    slot: Slot,
    frames: Vec<Frame>,
    /// Quote plain scalars a YAML 1.1 reader would not read as strings.
    yaml11: bool,
}

impl Writer<'_> {
    /// Starts an entry (a key or a dash) of the innermost frame.
    fn entry(&mut self) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        match (frame.count, frame.slot) {
            // The first entry of a node after `- ` follows on the same line.
            (0, Slot::Item(_)) => {}
            (0, Slot::Value(_)) => {
                self.out.push('\n');
                push_spaces(self.out, frame.column);
            }
            _ => push_spaces(self.out, frame.column),
        }
        frame.count += 1;
    }

    fn open(&mut self, mapping: bool) {
        self.frames.push(Frame::new(self.slot, mapping));
    }

    fn close(&mut self, empty: &str) -> Result<(), Unsupported> {
        let frame = self.frames.pop().ok_or(Unsupported)?;
        if frame.count == 0 {
            if let Slot::Value(_) = frame.slot {
                self.out.push(' ');
            }
            self.out.push_str(empty);
            self.out.push('\n');
        }
        Ok(())
    }

    /// A scalar already in its written form.
    fn scalar(&mut self, text: &str) {
        if let Slot::Value(_) = self.slot {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn string(&mut self, v: &str) -> Result<(), Unsupported> {
        let style = style(v)?;
        if let Slot::Value(_) = self.slot {
            self.out.push(' ');
        }
        match (style, self.slot) {
            // Such a scalar has no quote in it: `'v'` is all the quoting it needs.
            (Style::Plain, _) if self.yaml11 && super::yaml11::is_yaml11_special(v) => {
                push_quoted(self.out, v)
            }
            (Style::Plain, _) => self.out.push_str(v),
            (Style::Quoted, _) => push_quoted(self.out, v),
            (Style::Double, _) => push_double_quoted(self.out, v),
            (Style::Literal, Slot::Value(column) | Slot::Item(column)) => {
                push_literal(self.out, v, column + 2);
                return Ok(());
            }
            (Style::Literal, Slot::Root) => return Err(Unsupported),
        }
        self.out.push('\n');
        Ok(())
    }
}

fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

fn push_quoted(out: &mut String, v: &str) {
    out.push('\'');
    for (i, part) in v.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

/// ASCII `v` in double quotes, with YAML's escapes.
fn push_double_quoted(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        let escape = match c {
            '\0' => '0',
            '\x07' => 'a',
            '\x08' => 'b',
            '\t' => 't',
            '\n' => 'n',
            '\x0b' => 'v',
            '\x0c' => 'f',
            '\r' => 'r',
            '\x1b' => 'e',
            '"' => '"',
            '\\' => '\\',
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02X}", c as u32);
                continue;
            }
            c => {
                out.push(c);
                continue;
            }
        };
        out.push('\\');
        out.push(escape);
    }
    out.push('"');
}

/// A literal block scalar (`|` or `|-`) whose lines are indented to `indent`, ending with its
/// line break.
fn push_literal(out: &mut String, v: &str, indent: usize) {
    let (body, chomp) = match v.strip_suffix('\n') {
        Some(body) => (body, "|\n"),
        None => (v, "|-\n"),
    };
    out.push_str(chomp);
    for line in body.split('\n') {
        if !line.is_empty() {
            push_spaces(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Style {
    Plain,
    /// In single quotes.
    Quoted,
    /// In double quotes, with escapes.
    Double,
    /// A literal block, for text of several lines.
    Literal,
}

/// How serde_yaml writes the ASCII string `v` in block context:
/// - text of several lines as a literal block, unless a space ends a line or it holds a control
///   character: then in double quotes (as is any text with a control character);
/// - single-quoted when a plain scalar would read back as something else (a null, a boolean,
///   a number) or breaks YAML's rules for plain scalars (an indicator, a leading or trailing
///   space, `: ` or ` #` inside);
/// - else plain.
fn style(v: &str) -> Result<Style, Unsupported> {
    // Most values are one line of printable ASCII, told in one pass without a branch per byte
    // (the compiler vectorises it); only the others are looked at byte by byte.
    let printable_line = v.bytes().fold(true, |ok, b| ok & (b' '..0x7f).contains(&b));
    if !printable_line {
        if let Some(style) = unusual_style(v)? {
            return Ok(style);
        }
    }
    if reads_as_other(v) || !plain_allowed(v.as_bytes()) {
        return Ok(Style::Quoted);
    }
    Ok(Style::Plain)
}

/// The style of a value with a line break, a control character or a byte outside ASCII
/// (`None`: one line of printable ASCII after all, for the plain/quoted decision).
fn unusual_style(v: &str) -> Result<Option<Style>, Unsupported> {
    let (mut control, mut lines) = (false, false);
    for b in v.bytes() {
        match b {
            b'\n' => lines = true,
            0x80.. => return Err(Unsupported),
            b if b < b' ' || b == 0x7f => control = true,
            _ => {}
        }
    }
    if !lines {
        return Ok(control.then_some(Style::Double));
    }
    if control || v.ends_with(' ') || v.contains(" \n") {
        return Ok(Some(Style::Double));
    }
    // A block that starts with a space or a break needs an indentation hint, and one that ends
    // with two breaks a `+`: both left to serde_yaml.
    if v.starts_with([' ', '\n']) || v.ends_with("\n\n") {
        return Err(Unsupported);
    }
    Ok(Some(Style::Literal))
}

/// Whether `v` (ASCII, one line, no control character) may stand as a plain scalar in block context.
fn plain_allowed(v: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (v.first(), v.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || v.starts_with(b"---") || v.starts_with(b"...") {
        return false;
    }
    // Whether the byte after `i` is a space or the end.
    let spaced = |i: usize| v.get(i + 1).is_none_or(|b| *b == b' ');
    if b"#,[]{}&*!|>'\"%@`".contains(&first) || (b"?:-".contains(&first) && spaced(0)) {
        return false;
    }
    !v.iter()
        .enumerate()
        .skip(1)
        .any(|(i, &b)| (b == b':' && spaced(i)) || (b == b'#' && v[i - 1] == b' '))
}

/// Whether serde_yaml would read the plain scalar `v` as something other than a string (or
/// as a number-like string it quotes): empty, a null, a boolean, an integer (decimal, `0x`,
/// `0o`, `0b`), a float, or digits with a leading zero.
fn reads_as_other(v: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    // Anything else starts with a character none of those can start with.
    let Some(first) = v.bytes().next() else {
        return true;
    };
    if !matches!(
        first,
        b'0'..=b'9' | b'+' | b'-' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
    ) {
        return false;
    }
    WORDS.contains(&v) || unsigned(v) || negative(v) || leading_zero(v) || float(v)
}

/// `0123`, `-007`: digits after a leading zero.
fn leading_zero(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An unsigned integer in any of YAML's bases, with an optional `+`.
fn unsigned(v: &str) -> bool {
    let rest = v.strip_prefix('+').unwrap_or(v);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = rest.strip_prefix(prefix) {
            if digits.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(digits, radix).is_ok() {
                return true;
            }
        }
    }
    !rest.starts_with(['+', '-']) && !leading_zero(v) && rest.parse::<u128>().is_ok()
}

/// A negative integer in any of YAML's bases.
fn negative(v: &str) -> bool {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(digits) = v.strip_prefix(prefix) {
            if i128::from_str_radix(&format!("-{digits}"), radix).is_ok() {
                return true;
            }
        }
    }
    !leading_zero(v) && v.parse::<i128>().is_ok()
}

/// A finite float, or YAML's infinities and not-a-number.
fn float(v: &str) -> bool {
    let rest = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return false,
        Some(rest) => rest,
        None => v,
    };
    matches!(rest, ".inf" | ".Inf" | ".INF")
        || matches!(v, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || rest.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A mapping key: a scalar, written on its line and followed by `:`.
struct Key<'w, 'a>(&'w mut Writer<'a>);

impl<'w, 'a> Key<'w, 'a> {
    fn text(self, v: &str) -> Result<(), Unsupported> {
        // serde_yaml reads a one-key mapping whose key starts with `!` as a tag; libyaml writes
        // a key longer than 128 bytes in the complex form.
        if v.starts_with('!') || v.len() > 128 {
            return Err(Unsupported);
        }
        let style = style(v)?;
        let w = self.0;
        w.entry();
        match style {
            Style::Plain => w.out.push_str(v),
            Style::Quoted => push_quoted(w.out, v),
            // A key of several lines takes the complex form; one with a control character is
            // not written here either.
            Style::Double | Style::Literal => return Err(Unsupported),
        }
        w.out.push(':');
        Ok(())
    }
}

macro_rules! unsupported {
    ($($name:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ok, Unsupported> {
            Err(Unsupported)
        })*
    };
}

/// Strings, characters and unit variants through `$text`; booleans and integers as they
/// display; a newtype struct as what it holds; a tagged enum is left to serde_yaml.
macro_rules! scalars {
    ($text:ident) => {
        fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
            self.$text(v)
        }
        fn serialize_char(self, v: char) -> Result<(), Unsupported> {
            self.$text(v.encode_utf8(&mut [0; 4]))
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            v: &'static str,
        ) -> Result<(), Unsupported> {
            self.$text(v)
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<(), Unsupported> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Unsupported> {
            Err(Unsupported)
        }
        scalars! {
            display serialize_bool(bool);
            serialize_i8(i8); serialize_i16(i16); serialize_i32(i32); serialize_i64(i64);
            serialize_i128(i128); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
            serialize_u64(u64); serialize_u128(u128);
        }
    };
    (display $($name:ident($ty:ty);)*) => {
        $(fn $name(self, v: $ty) -> Result<(), Unsupported> {
            self.display(v)
        })*
    };
}

impl<'w, 'a> ser::Serializer for Key<'w, 'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    scalars!(text);
    unsupported! {
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
}

impl Key<'_, '_> {
    /// A boolean or an integer key, plain.
    fn display(self, v: impl std::fmt::Display) -> Result<(), Unsupported> {
        let w = self.0;
        w.entry();
        let _ = write!(w.out, "{v}:");
        Ok(())
    }
}

impl Writer<'_> {
    fn display(&mut self, v: impl std::fmt::Display) -> Result<(), Unsupported> {
        if let Slot::Value(_) = self.slot {
            self.out.push(' ');
        }
        let _ = writeln!(self.out, "{v}");
        Ok(())
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    scalars!(string);
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.scalar("null");
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.scalar("null");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unsupported> {
        self.open(false);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Unsupported> {
        self.open(false);
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Unsupported> {
        self.open(false);
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unsupported> {
        self.open(true);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unsupported> {
        self.open(true);
        Ok(self)
    }
    unsupported! {
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

impl Writer<'_> {
    fn element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
        self.entry();
        self.out.push_str("- ");
        let column = self.frames.last().map_or(0, |f| f.column);
        self.slot = Slot::Item(column);
        v.serialize(self)
    }

    fn key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), Unsupported> {
        k.serialize(Key(self))
    }

    fn value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
        let column = self.frames.last().map_or(0, |f| f.column);
        self.slot = Slot::Value(column);
        v.serialize(self)
    }
}

/// A sequence, a tuple and a tuple struct are all written as a sequence.
macro_rules! sequence {
    ($($trait:ident::$method:ident),*) => {
        $(impl ser::$trait for &mut Writer<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
                self.element(v)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.close("[]")
            }
        })*
    };
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeMap for &mut Writer<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), Unsupported> {
        self.key(k)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
        self.value(v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.close("{}")
    }
}

impl ser::SerializeStruct for &mut Writer<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.key(k)?;
        self.value(v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.close("{}")
    }
}

#[cfg(test)]
mod tests {
    use super::{fast, style, write, write_yaml11, Style};
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// A document of the shapes the renderers write.
    #[derive(Debug, Clone, Serialize)]
    #[serde(untagged)]
    enum Node {
        Text(String),
        Number(i64),
        Flag(bool),
        Nothing(Option<u8>),
        List(Vec<Node>),
        Map(BTreeMap<String, Node>),
    }

    /// Strings made of the characters that decide a scalar's style, and words that read as
    /// something else.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 :#\\-?,\\[\\]{}&*!|>'\"%@`.+~_/$=xobeE]{0,10}",
            "[a-z]{1,4}(: | #|:|#| )[a-z]{0,4}",
            "[ \\-?:]{1,3}[a-z0-9]{0,3}[ :]{0,2}",
            "[+-]?(0x|0o|0b)?[0-9a-fA-F_]{0,6}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?",
            "[a-z #:'\"\\-]{0,5}(\n[ ]{0,2}[a-z #:'\"\\-]{0,5}){1,3}\n{0,2}",
            "[ -~\t\r\n\x00\x1b\x7f]{0,8}",
            Just(String::new()),
            prop::sample::select(vec![
                "~",
                "null",
                "Null",
                "NULL",
                "true",
                "True",
                "TRUE",
                "false",
                "FALSE",
                "yes",
                "on",
                "off",
                "no",
                ".inf",
                "-.Inf",
                "+.INF",
                ".nan",
                ".NaN",
                "inf",
                "NaN",
                "-",
                "?",
                ":",
                "---",
                "...",
                "--- x",
                "... x",
                "1e400",
                "0",
                "00",
                "-0",
                "+0",
                "0x",
                "0x1F",
                "-0x1F",
                "+0x1F",
                "0o17",
                "0b101",
                "0b2",
                "+-1",
                "++1",
                "340282366920938463463374607431768211456",
                "1.",
                ".5",
                "+.5",
                "-.5",
                "1_000",
                "1:20",
                "-1:20",
                "10:00:59.5",
                "=",
                "<<",
                "Y",
                "n",
                "a\nb",
                "tab\there",
                "caf\u{e9}",
                "\u{85}",
                "x\ry",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            4 => text().prop_map(Node::Text),
            1 => any::<i64>().prop_map(Node::Number),
            1 => any::<bool>().prop_map(Node::Flag),
            1 => proptest::option::of(any::<u8>()).prop_map(Node::Nothing),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Node::List),
                prop::collection::btree_map(text(), inner, 0..4).prop_map(Node::Map),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Where this writer writes a document, it is serde_yaml's text byte for byte; and
        /// `write` always is.
        #[test]
        fn writes_what_serde_yaml_writes(doc in node()) {
            let expected = serde_yaml::to_string(&doc).unwrap();
            let mut own = String::new();
            if fast(&mut own, &doc, false).is_ok() {
                prop_assert_eq!(&own, &expected);
            }
            let mut out = String::from("# header\n");
            write(&mut out, &doc).unwrap();
            prop_assert_eq!(out, format!("# header\n{expected}"));
        }

        /// Quoting for YAML 1.1 while writing gives the text that quoting serde_yaml's output
        /// afterwards gives, whichever writer writes the document.
        #[test]
        fn yaml11_quoting_while_writing_is_quoting_afterwards(doc in node()) {
            let mut expected = String::from("# header: yes\n");
            super::super::yaml11::quote_for_yaml11_into(
                &mut expected,
                &serde_yaml::to_string(&doc).unwrap(),
            );
            let mut out = String::from("# header: yes\n");
            write_yaml11(&mut out, &doc).unwrap();
            prop_assert_eq!(out, expected);
        }

        /// Every ASCII string is written here as serde_yaml writes it, as a value in a mapping
        /// and in a sequence, and as a key when it is one line without a control character
        /// (and does not read as a tag, `!…`); only blocks that need a hint are left.
        #[test]
        fn ascii_strings_are_written_here(s in "[ -~\t\r\n]{0,12}") {
            let values = BTreeMap::from([
                ("in a list", Node::List(vec![Node::Text(s.clone())])),
                ("value", Node::Text(s.clone())),
            ]);
            let mut own = String::new();
            match style(&s) {
                Ok(_) => {
                    prop_assert!(fast(&mut own, &values, false).is_ok());
                    prop_assert_eq!(&own, &serde_yaml::to_string(&values).unwrap());
                }
                Err(_) => prop_assert!(s.starts_with([' ', '\n']) || s.ends_with("\n\n")),
            }
            if matches!(style(&s), Ok(Style::Plain | Style::Quoted)) && !s.starts_with('!') {
                let keys = BTreeMap::from([(s.clone(), 1), ("other".to_string(), 2)]);
                let mut own = String::new();
                prop_assert!(fast(&mut own, &keys, false).is_ok());
                prop_assert_eq!(own, serde_yaml::to_string(&keys).unwrap());
            }
        }
    }

    #[test]
    fn styles_of_strings_that_look_like_something_else() {
        for (text, expected) in [
            ("plain", Style::Plain),
            ("8000:8000", Style::Plain),
            ("http://x:1/mcp", Style::Plain),
            ("${A:?set A}", Style::Plain),
            ("a #b", Style::Quoted),
            ("a: b", Style::Quoted),
            ("0123", Style::Quoted),
            ("1.5", Style::Quoted),
            ("0x1F", Style::Quoted),
            ("1e400", Style::Plain),
            ("true", Style::Quoted),
            ("yes", Style::Plain),
            ("", Style::Quoted),
            ("- a", Style::Quoted),
            ("-a", Style::Plain),
            ("one\ntwo", Style::Literal),
            ("one\ntwo\n", Style::Literal),
            ("one \ntwo", Style::Double),
            ("one\ntwo ", Style::Double),
            ("tab\there", Style::Double),
            ("bell\x07", Style::Double),
        ] {
            assert_eq!(style(text).unwrap(), expected, "{text:?}");
        }
        assert!(style(" indented\nblock").is_err());
        assert!(style("kept\n\n").is_err());
        assert!(style("caf\u{e9}").is_err());
    }

    /// The Compose file's quoting for YAML 1.1 readers is done by this writer itself: values
    /// and items, never keys or block contents.
    #[test]
    fn yaml11_specials_are_quoted_by_this_writer() {
        let doc = BTreeMap::from([
            ("on", Node::Text("yes".into())),
            (
                "items",
                Node::List(vec![Node::Text("off".into()), Node::Text("x".into())]),
            ),
            ("time", Node::Text("1:20".into())),
            ("script", Node::Text("a: on\nb\n".into())),
        ]);
        let mut out = String::new();
        assert!(fast(&mut out, &doc, true).is_ok());
        assert_eq!(
            out,
            "items:\n- 'off'\n- x\non: 'yes'\nscript: |\n  a: on\n  b\ntime: '1:20'\n"
        );
    }

    #[test]
    fn what_is_left_to_serde_yaml_is_still_written() {
        #[derive(Serialize)]
        enum Tagged {
            Ratio(f64),
        }
        let doc = BTreeMap::from([
            ("multi", Node::Text("line one\nline two\n".into())),
            ("name", Node::Text("caf\u{e9}".into())),
        ]);
        let mut out = String::new();
        assert!(fast(&mut out, &doc, false).is_err());
        let mut out = String::new();
        write(&mut out, &doc).unwrap();
        assert_eq!(out, serde_yaml::to_string(&doc).unwrap());
        let tagged = BTreeMap::from([("r", Tagged::Ratio(0.5))]);
        let mut out = String::new();
        write(&mut out, &tagged).unwrap();
        assert_eq!(out, "r: !Ratio 0.5\n");
    }
}
