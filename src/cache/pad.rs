//! A serializer adapter for the cache's compact encoding.
//!
//! The cache writes structs as MessagePack arrays (no field names: a third
//! of the size and three times the speed of maps). serde cannot read an
//! adjacently tagged enum (`#[serde(tag = "...", content = "...")]`, such as
//! `facts::Value`) back from arrays: a unit variant is written with its tag
//! only, and struct-variant contents are read from maps only. `Pad` forwards
//! everything to the inner serializer, except that such an enum and all it
//! contains are written as maps with field names, the form serde reads back.
//! The cache round-trip test fails when an enum of this kind is missing below.

use serde::ser::{self, Serialize, Serializer};

/// Adjacently tagged enums (`#[serde(tag = "...", content = "...")]`) in facts.
const ADJACENTLY_TAGGED: &[&str] = &["Value"];

/// `named`: write structs as maps (inside an adjacently tagged enum).
pub struct Pad<S> {
    ser: S,
    named: bool,
}

impl<S> Pad<S> {
    pub fn new(ser: S) -> Self {
        Pad { ser, named: false }
    }
}

/// A value to serialize through `Pad`.
struct Wrap<'a, T: ?Sized> {
    v: &'a T,
    named: bool,
}

impl<T: ?Sized + Serialize> Serialize for Wrap<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.v.serialize(Pad {
            ser: s,
            named: self.named,
        })
    }
}

/// A compound serializer whose elements go through `Pad`.
pub struct Compound<C> {
    inner: C,
    named: bool,
}

/// A struct, written as an array or (`Named`) as a map.
pub enum StructCompound<T, M> {
    Tuple(Compound<T>),
    Named(Compound<M>),
}

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $name(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.ser.$name($($arg),*)
        })*
    };
}

impl<S: Serializer> Serializer for Pad<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = StructCompound<S::SerializeStruct, S::SerializeMap>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<S::Ok, S::Error> {
        let v = self.wrap(v);
        self.ser.serialize_some(&v)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        let v = self.wrap(v);
        self.ser.serialize_newtype_struct(name, &v)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        let v = self.wrap(v);
        self.ser.serialize_newtype_variant(name, index, variant, &v)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let named = self.named;
        Ok(Compound::new(self.ser.serialize_seq(len)?, named))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let named = self.named;
        Ok(Compound::new(self.ser.serialize_tuple(len)?, named))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let named = self.named;
        Ok(Compound::new(
            self.ser.serialize_tuple_struct(name, len)?,
            named,
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let named = self.named;
        Ok(Compound::new(
            self.ser
                .serialize_tuple_variant(name, index, variant, len)?,
            named,
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let named = self.named;
        Ok(Compound::new(self.ser.serialize_map(len)?, named))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        if self.named || ADJACENTLY_TAGGED.contains(&name) {
            Ok(StructCompound::Named(Compound::new(
                self.ser.serialize_map(Some(len))?,
                true,
            )))
        } else {
            Ok(StructCompound::Tuple(Compound::new(
                self.ser.serialize_struct(name, len)?,
                false,
            )))
        }
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let named = self.named;
        Ok(Compound::new(
            self.ser
                .serialize_struct_variant(name, index, variant, len)?,
            named,
        ))
    }

    fn is_human_readable(&self) -> bool {
        self.ser.is_human_readable()
    }
}

impl<S> Pad<S> {
    fn wrap<'a, T: ?Sized>(&self, v: &'a T) -> Wrap<'a, T> {
        Wrap {
            v,
            named: self.named,
        }
    }
}

impl<C> Compound<C> {
    fn new(inner: C, named: bool) -> Self {
        Compound { inner, named }
    }

    fn wrap<'a, T: ?Sized>(&self, v: &'a T) -> Wrap<'a, T> {
        Wrap {
            v,
            named: self.named,
        }
    }
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_element(&v)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_element(&v)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_field(&v)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_field(&v)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), C::Error> {
        let k = self.wrap(k);
        self.inner.serialize_key(&k)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_value(&v)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<T: ser::SerializeStruct, M: ser::SerializeMap<Ok = T::Ok, Error = T::Error>>
    ser::SerializeStruct for StructCompound<T, M>
{
    type Ok = T::Ok;
    type Error = T::Error;
    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &V,
    ) -> Result<(), T::Error> {
        match self {
            StructCompound::Tuple(c) => {
                let v = c.wrap(v);
                c.inner.serialize_field(key, &v)
            }
            StructCompound::Named(c) => {
                let v = c.wrap(v);
                c.inner.serialize_entry(key, &v)
            }
        }
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), T::Error> {
        match self {
            StructCompound::Tuple(c) => c.inner.skip_field(key),
            // A map simply leaves the key out.
            StructCompound::Named(_) => Ok(()),
        }
    }
    fn end(self) -> Result<T::Ok, T::Error> {
        match self {
            StructCompound::Tuple(c) => c.inner.end(),
            StructCompound::Named(c) => c.inner.end(),
        }
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), C::Error> {
        let v = self.wrap(v);
        self.inner.serialize_field(key, &v)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.inner.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}
