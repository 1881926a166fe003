//! Reading the tree into typed values with serde, as serde_yaml reads the same text.

use super::super::location::Pos;
use super::resolve::{self, Int};
use super::tree::{Kind, Node, Style, Tag};
use serde::de::{self, Expected, Unexpected, Visitor};
use std::fmt;

/// A value of the wrong shape, with the place of the node it was read from.
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub pos: Option<Pos>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            pos: None,
        }
    }
}

type Result<T> = std::result::Result<T, Error>;

/// The deserializer: a node, or nothing for a document without content.
#[derive(Clone, Copy)]
pub struct Value<'de>(pub Option<&'de Node>);

impl<'de> Value<'de> {
    /// The text of a scalar whose plain form is being read for a type (`!!bool` on a literal
    /// block counts as plain for booleans, as in serde_yaml).
    fn plain(&self, tag: Tag) -> Option<&'de str> {
        match &self.0?.kind {
            Kind::Scalar {
                text,
                style: Style::Plain,
                ..
            } => Some(text),
            Kind::Scalar {
                text,
                style: Style::Literal,
                tag: Some(t),
            } if *t == tag => Some(text),
            _ => None,
        }
    }

    /// A plain scalar read for one type: `parse` gives the value `visit` hands on; any other
    /// node, or a text `parse` refuses, is the error naming what the node is.
    fn plain_as<V: Visitor<'de>, T>(
        self,
        tag: Tag,
        visitor: V,
        parse: impl FnOnce(&str) -> Option<T>,
        visit: impl FnOnce(V, T) -> Result<V::Value>,
    ) -> Result<V::Value> {
        let r = match self.plain(tag).and_then(parse) {
            Some(v) => visit(visitor, v),
            None => Err(self.invalid(&visitor)),
        };
        self.at(r)
    }

    /// Whether this is the empty plain scalar (`key:` with nothing after it).
    fn is_empty(&self) -> bool {
        match self.0 {
            None => true,
            Some(n) => {
                matches!(&n.kind, Kind::Scalar { text, style: Style::Plain, .. } if text.is_empty())
            }
        }
    }

    /// Gives an error the place of this node unless it has one from deeper down.
    fn at<T>(&self, r: Result<T>) -> Result<T> {
        r.map_err(|mut e| {
            if e.pos.is_none() {
                e.pos = self.0.map(|n| n.pos);
            }
            e
        })
    }

    /// The error for a node that is not of the expected type, naming what it is.
    fn invalid(&self, exp: &dyn Expected) -> Error {
        struct Refuse<'a>(&'a dyn Expected);
        impl Visitor<'_> for Refuse<'_> {
            type Value = std::convert::Infallible;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        match self.0.map(|n| &n.kind) {
            None => Error::custom_eof(),
            Some(Kind::Seq(_)) => de::Error::invalid_type(Unexpected::Seq, exp),
            Some(Kind::Map(_)) => de::Error::invalid_type(Unexpected::Map, exp),
            Some(Kind::Scalar { .. }) => match self.scalar(Refuse(exp)) {
                Ok(never) => match never {},
                Err(e) => e,
            },
        }
    }

    /// A scalar as it reads when nothing in particular is asked of it.
    fn scalar<V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value> {
        let Some(Node {
            kind: Kind::Scalar { text, style, tag },
            ..
        }) = self.0
        else {
            return Err(Error::custom_eof());
        };
        let text = text.as_str();
        let fail = |what: &str| de::Error::invalid_value(Unexpected::Str(text), &what);
        match tag {
            Some(Tag::Bool) => resolve::boolean(text)
                .map_or_else(|| Err(fail("a boolean")), |b| visitor.visit_bool(b)),
            Some(Tag::Int) => match resolve::integer(text) {
                Some(i) => visit_int(i, visitor),
                None => Err(fail("an integer")),
            },
            Some(Tag::Float) => {
                resolve::float(text).map_or_else(|| Err(fail("a float")), |f| visitor.visit_f64(f))
            }
            Some(Tag::Null) if resolve::is_null(text) => visitor.visit_unit(),
            Some(Tag::Null) => Err(fail("null")),
            Some(_) => visitor.visit_borrowed_str(text),
            None if *style != Style::Plain => visitor.visit_borrowed_str(text),
            None => {
                if text.is_empty() || resolve::is_null(text) {
                    return visitor.visit_unit();
                }
                if let Some(b) = resolve::boolean(text) {
                    return visitor.visit_bool(b);
                }
                if let Some(i) = resolve::integer(text) {
                    return visit_int(i, visitor);
                }
                match resolve::float(text) {
                    Some(f) if !resolve::leading_zero(text) => visitor.visit_f64(f),
                    _ => visitor.visit_borrowed_str(text),
                }
            }
        }
    }
}

impl Error {
    fn custom_eof() -> Self {
        de::Error::custom("EOF while parsing a value")
    }
}

/// An integer in the narrowest type that holds it.
fn visit_int<'de, V: Visitor<'de>>(i: Int, visitor: V) -> Result<V::Value> {
    match i {
        Int::Positive(m) => match u64::try_from(m) {
            Ok(v) => visitor.visit_u64(v),
            Err(_) => visitor.visit_u128(m),
        },
        // `integer` gives no negative value below i128.
        Int::Negative(m) => match i.as_i64() {
            Some(v) => visitor.visit_i64(v),
            None => visitor.visit_i128(0i128.saturating_sub_unsigned(m)),
        },
    }
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            None => visitor.visit_none(),
            Some(Kind::Seq(items)) => visitor.visit_seq(Seq(items.iter())),
            Some(Kind::Map(entries)) => visitor.visit_map(Map::new(entries)),
            Some(Kind::Scalar { .. }) => self.scalar(visitor),
        };
        self.at(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.plain_as(Tag::Bool, visitor, resolve::boolean, |v, b| v.visit_bool(b))
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let parse = |t: &str| resolve::integer(t)?.as_i64();
        self.plain_as(Tag::Int, visitor, parse, |v, n| v.visit_i64(n))
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let parse = |t: &str| resolve::integer(t)?.as_i128();
        self.plain_as(Tag::Int, visitor, parse, |v, n| v.visit_i128(n))
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let parse = |t: &str| resolve::integer(t)?.as_u64();
        self.plain_as(Tag::Int, visitor, parse, |v, n| v.visit_u64(n))
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let parse = |t: &str| match resolve::integer(t)? {
            Int::Positive(m) => Some(m),
            Int::Negative(_) => None,
        };
        self.plain_as(Tag::Int, visitor, parse, |v, n| v.visit_u128(n))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.plain_as(Tag::Float, visitor, resolve::float, |v, f| v.visit_f64(f))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    /// Any scalar reads as a string, exactly as written (`1.10` stays `1.10`).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            Some(Kind::Scalar { text, .. }) => visitor.visit_borrowed_str(text),
            _ => Err(self.invalid(&visitor)),
        };
        self.at(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(de::Error::custom("bytes are not read from YAML"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    /// Null (`~`, `null`, nothing) is `None`; a tagged `!!null` must be a null.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let some = match self.0.map(|n| &n.kind) {
            None => false,
            Some(Kind::Scalar {
                style: Style::Plain,
                text,
                tag,
            }) => match tag {
                Some(Tag::Null) if resolve::is_null(text) => false,
                Some(Tag::Null) => {
                    let e = de::Error::invalid_value(Unexpected::Str(text), &"null");
                    return self.at(Err(e));
                }
                Some(_) => true,
                None => !text.is_empty() && !resolve::is_null(text),
            },
            Some(_) => true,
        };
        if some {
            visitor.visit_some(self)
        } else {
            visitor.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            None => visitor.visit_unit(),
            Some(Kind::Scalar { text, style, tag }) => {
                let null = *style == Style::Plain
                    && match tag {
                        Some(t) => *t == Tag::Null && resolve::is_null(text),
                        None => text.is_empty() || resolve::is_null(text),
                    };
                if null {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(Unexpected::Str(text), &"null"))
                }
            }
            Some(_) => Err(self.invalid(&visitor)),
        };
        self.at(r)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// A sequence; an empty value (`key:`) is an empty one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            Some(Kind::Seq(items)) => visitor.visit_seq(Seq(items.iter())),
            _ if self.is_empty() => visitor.visit_seq(Seq([].iter())),
            _ => Err(self.invalid(&visitor)),
        };
        self.at(r)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    /// A mapping; an empty value (`key:`) is an empty one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            Some(Kind::Map(entries)) => visitor.visit_map(Map::new(entries)),
            _ if self.is_empty() => visitor.visit_map(Map::new(&[])),
            _ => Err(self.invalid(&visitor)),
        };
        self.at(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    /// An enum is a scalar naming a unit variant (the configuration has no others).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let r = match self.0.map(|n| &n.kind) {
            Some(Kind::Scalar { .. }) => visitor.visit_enum(UnitVariant(self)),
            None => Err(Error::custom_eof()),
            Some(Kind::Seq(_)) => Err(de::Error::invalid_type(
                Unexpected::Seq,
                &"a YAML tag starting with '!'",
            )),
            Some(Kind::Map(_)) => Err(de::Error::invalid_type(
                Unexpected::Map,
                &"a YAML tag starting with '!'",
            )),
        };
        self.at(r)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct Seq<'de>(std::slice::Iter<'de, Node>);

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        self.0
            .next()
            .map(|n| seed.deserialize(Value(Some(n))))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de Node>,
}

impl<'de> Map<'de> {
    fn new(entries: &'de [(Node, Node)]) -> Self {
        Map {
            entries: entries.iter(),
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(Value(Some(k))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        seed.deserialize(Value(self.value.take()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A scalar read as the name of a unit variant.
struct UnitVariant<'de>(Value<'de>);

impl<'de> de::EnumAccess<'de> for UnitVariant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self)> {
        Ok((seed.deserialize(self.0)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}
