//! Typed views over the Arrow arrays decoded from a Parquet file, looked up by field name.
//!
//! Writers of the OpenAlex Parquet edition may differ in physical details (32- or 64-bit
//! integers and offsets, strings stored as annotated or plain binary, fields that are null in
//! every row of a file and so have Arrow's `Null` type, fields that are missing). A view accepts
//! all of those and nothing else: any other type is a [`TypeError`] naming the column, found
//! once per file before any row is read.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BinaryViewArray, LargeBinaryArray, LargeStringArray,
    PrimitiveArray, StringArray, StringViewArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::DataType;
use scout_formats::ParseFailure;

/// A column whose Arrow type is not one the reader accepts for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    /// Dotted path of the column (`authorships.institutions.id`).
    pub column: &'static str,
    /// What was expected, in words.
    pub expected: &'static str,
    /// The Arrow type found.
    pub found: String,
}

fn type_error(column: &'static str, expected: &'static str, found: &DataType) -> TypeError {
    TypeError {
        column,
        expected,
        found: found.to_string(),
    }
}

fn is_absent(array: Option<&ArrayRef>) -> bool {
    array.is_none_or(|a| a.data_type() == &DataType::Null)
}

/// A string column.
#[derive(Clone, Copy)]
pub enum Strs<'a> {
    Absent,
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    /// Strings written without the UTF-8 annotation; checked row by row.
    Binary(&'a BinaryArray, &'static str),
    LargeBinary(&'a LargeBinaryArray, &'static str),
    BinaryView(&'a BinaryViewArray, &'static str),
}

impl<'a> Strs<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let Some(array) = array.filter(|_| !is_absent(array)) else {
            return Ok(Strs::Absent);
        };
        let found = array.data_type();
        let view = match found {
            DataType::Utf8 => array.as_string_opt::<i32>().map(Strs::Utf8),
            DataType::LargeUtf8 => array.as_string_opt::<i64>().map(Strs::LargeUtf8),
            DataType::Utf8View => array.as_string_view_opt().map(Strs::Utf8View),
            DataType::Binary => array
                .as_binary_opt::<i32>()
                .map(|a| Strs::Binary(a, column)),
            DataType::LargeBinary => array
                .as_binary_opt::<i64>()
                .map(|a| Strs::LargeBinary(a, column)),
            DataType::BinaryView => array
                .as_binary_view_opt()
                .map(|a| Strs::BinaryView(a, column)),
            _ => None,
        };
        view.ok_or_else(|| type_error(column, "a string", found))
    }

    /// The string at row `i`; an error only for non-UTF-8 bytes in an unannotated column.
    pub fn get(&self, i: usize) -> Result<Option<&'a str>, ParseFailure> {
        fn utf8<'b>(bytes: &'b [u8], column: &str) -> Result<&'b str, ParseFailure> {
            std::str::from_utf8(bytes).map_err(|e| {
                ParseFailure::new(
                    Some(column),
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                )
            })
        }
        Ok(match *self {
            Strs::Absent => None,
            Strs::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::LargeUtf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Utf8View(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Binary(a, c) => match a.is_valid(i) {
                true => Some(utf8(a.value(i), c)?),
                false => None,
            },
            Strs::LargeBinary(a, c) => match a.is_valid(i) {
                true => Some(utf8(a.value(i), c)?),
                false => None,
            },
            Strs::BinaryView(a, c) => match a.is_valid(i) {
                true => Some(utf8(a.value(i), c)?),
                false => None,
            },
        })
    }
}

/// An integer column of any width and signedness.
#[derive(Clone, Copy)]
pub enum Ints<'a> {
    Absent,
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>, &'static str),
}

impl<'a> Ints<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let Some(array) = array.filter(|_| !is_absent(array)) else {
            return Ok(Ints::Absent);
        };
        let found = array.data_type();
        let view = match found {
            DataType::Int8 => array.as_primitive_opt().map(Ints::I8),
            DataType::Int16 => array.as_primitive_opt().map(Ints::I16),
            DataType::Int32 => array.as_primitive_opt().map(Ints::I32),
            DataType::Int64 => array.as_primitive_opt().map(Ints::I64),
            DataType::UInt8 => array.as_primitive_opt().map(Ints::U8),
            DataType::UInt16 => array.as_primitive_opt().map(Ints::U16),
            DataType::UInt32 => array.as_primitive_opt().map(Ints::U32),
            DataType::UInt64 => array.as_primitive_opt().map(|a| Ints::U64(a, column)),
            _ => None,
        };
        view.ok_or_else(|| type_error(column, "an integer", found))
    }

    pub fn get(&self, i: usize) -> Result<Option<i64>, ParseFailure> {
        fn at<T: arrow_array::ArrowPrimitiveType>(
            a: &PrimitiveArray<T>,
            i: usize,
        ) -> Option<T::Native> {
            a.is_valid(i).then(|| a.value(i))
        }
        Ok(match *self {
            Ints::Absent => None,
            Ints::I8(a) => at(a, i).map(i64::from),
            Ints::I16(a) => at(a, i).map(i64::from),
            Ints::I32(a) => at(a, i).map(i64::from),
            Ints::I64(a) => at(a, i),
            Ints::U8(a) => at(a, i).map(i64::from),
            Ints::U16(a) => at(a, i).map(i64::from),
            Ints::U32(a) => at(a, i).map(i64::from),
            Ints::U64(a, column) => match at(a, i) {
                Some(v) => Some(i64::try_from(v).map_err(|_| {
                    ParseFailure::new(Some(column), format!("integer {v} is out of range"))
                })?),
                None => None,
            },
        })
    }

    /// The value as an `i32` (years, levels), with the JSON reader's complaint when it is not.
    pub fn get_i32(&self, i: usize, column: &str) -> Result<Option<i32>, ParseFailure> {
        match self.get(i)? {
            Some(v) => i32::try_from(v).map(Some).map_err(|_| {
                ParseFailure::new(
                    Some(column),
                    format!("invalid value: integer `{v}`, expected i32"),
                )
            }),
            None => Ok(None),
        }
    }
}

/// A floating-point column (integers are accepted too, as JSON numbers would be).
#[derive(Clone, Copy)]
pub enum Floats<'a> {
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Int(Ints<'a>),
}

impl<'a> Floats<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        if let Some(array) = array.filter(|_| !is_absent(array)) {
            match array.data_type() {
                DataType::Float32 => {
                    if let Some(a) = array.as_primitive_opt() {
                        return Ok(Floats::F32(a));
                    }
                }
                DataType::Float64 => {
                    if let Some(a) = array.as_primitive_opt() {
                        return Ok(Floats::F64(a));
                    }
                }
                _ => {}
            }
            return Ints::new(Some(array), column)
                .map(Floats::Int)
                .map_err(|_| type_error(column, "a number", array.data_type()));
        }
        Ok(Floats::Int(Ints::Absent))
    }

    pub fn get(&self, i: usize) -> Result<Option<f64>, ParseFailure> {
        Ok(match *self {
            Floats::F32(a) => a.is_valid(i).then(|| f64::from(a.value(i))),
            Floats::F64(a) => a.is_valid(i).then(|| a.value(i)),
            Floats::Int(ints) => ints.get(i)?.map(|v| v as f64),
        })
    }
}

#[derive(Clone, Copy)]
enum Offsets<'a> {
    Small(&'a OffsetBuffer<i32>),
    Large(&'a OffsetBuffer<i64>),
}

/// A list column: for each row, a range of positions in its element array.
#[derive(Clone, Copy)]
pub struct List<'a> {
    offsets: Option<Offsets<'a>>,
    nulls: Option<&'a NullBuffer>,
    values: Option<&'a ArrayRef>,
}

impl<'a> List<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let absent = List {
            offsets: None,
            nulls: None,
            values: None,
        };
        let Some(array) = array.filter(|_| !is_absent(array)) else {
            return Ok(absent);
        };
        if let Some(list) = array.as_list_opt::<i32>() {
            return Ok(List {
                offsets: Some(Offsets::Small(list.offsets())),
                nulls: list.nulls(),
                values: Some(list.values()),
            });
        }
        if let Some(list) = array.as_list_opt::<i64>() {
            return Ok(List {
                offsets: Some(Offsets::Large(list.offsets())),
                nulls: list.nulls(),
                values: Some(list.values()),
            });
        }
        Err(type_error(column, "a list", array.data_type()))
    }

    /// The element array (for resolving the element's own view).
    pub fn values(&self) -> Option<&'a ArrayRef> {
        self.values
    }

    /// The elements of row `i`, or `None` when the list is null or absent.
    pub fn range(&self, i: usize) -> Option<Range<usize>> {
        if self.nulls.is_some_and(|n| n.is_null(i)) {
            return None;
        }
        // Offsets are non-negative and in bounds in any array that passed Arrow's validation.
        match self.offsets? {
            Offsets::Small(o) => Some(o[i] as usize..o[i + 1] as usize),
            Offsets::Large(o) => Some(o[i] as usize..o[i + 1] as usize),
        }
    }
}

/// A struct column.
#[derive(Clone, Copy)]
pub struct Struct<'a> {
    array: Option<&'a StructArray>,
}

impl<'a> Struct<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let Some(array) = array.filter(|_| !is_absent(array)) else {
            return Ok(Struct { array: None });
        };
        array
            .as_struct_opt()
            .map(|a| Struct { array: Some(a) })
            .ok_or_else(|| type_error(column, "a struct", array.data_type()))
    }

    pub fn field(&self, name: &str) -> Option<&'a ArrayRef> {
        self.array?.column_by_name(name)
    }

    /// Present and not null at row `i`.
    pub fn valid(&self, i: usize) -> bool {
        self.array.is_some_and(|a| a.is_valid(i))
    }

    pub fn is_absent(&self) -> bool {
        self.array.is_none()
    }

    pub fn inner(&self) -> Option<&'a StructArray> {
        self.array
    }
}

/// A list of structs (`authorships`, `concepts`): the list and its element struct.
#[derive(Clone, Copy)]
pub struct StructList<'a> {
    pub list: List<'a>,
    pub item: Struct<'a>,
}

impl<'a> StructList<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let list = List::new(array, column)?;
        let item = Struct::new(list.values(), column)?;
        Ok(StructList { list, item })
    }

    /// The element positions of row `i`; an element that is null is a failure, as a `null`
    /// inside the JSON array would be.
    pub fn items(
        &self,
        i: usize,
        column: &'static str,
    ) -> Result<Option<Range<usize>>, ParseFailure> {
        let Some(range) = self.list.range(i) else {
            return Ok(None);
        };
        if let Some(j) = range.clone().find(|&j| !self.item.valid(j)) {
            return Err(ParseFailure::new(
                Some(column),
                format!("element {} is null", j - range.start),
            ));
        }
        Ok(Some(range))
    }
}

/// A list of strings (`raw_affiliation_strings`, `lineage`).
#[derive(Clone, Copy)]
pub struct StrList<'a> {
    list: List<'a>,
    item: Strs<'a>,
    column: &'static str,
}

impl<'a> StrList<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let list = List::new(array, column)?;
        let item = Strs::new(list.values(), column)?;
        Ok(StrList { list, item, column })
    }

    /// The strings of row `i`; a null string is a failure, as in JSON.
    pub fn get(&self, i: usize) -> Result<Option<Vec<&'a str>>, ParseFailure> {
        let Some(range) = self.list.range(i) else {
            return Ok(None);
        };
        let start = range.start;
        range
            .map(|j| {
                self.item.get(j)?.ok_or_else(|| {
                    ParseFailure::new(Some(self.column), format!("element {} is null", j - start))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// A list of integers (positions in an abstract, years of an affiliation).
#[derive(Clone, Copy)]
pub struct IntList<'a> {
    list: List<'a>,
    item: Ints<'a>,
    column: &'static str,
}

impl<'a> IntList<'a> {
    pub fn new(array: Option<&'a ArrayRef>, column: &'static str) -> Result<Self, TypeError> {
        let list = List::new(array, column)?;
        let item = Ints::new(list.values(), column)?;
        Ok(IntList { list, item, column })
    }

    /// The values of row `i` converted by `convert` (which names the failure).
    pub fn get<T>(
        &self,
        i: usize,
        convert: impl Fn(i64) -> Option<T>,
        expected: &str,
    ) -> Result<Option<Vec<T>>, ParseFailure> {
        let Some(range) = self.list.range(i) else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(range.len());
        for j in range {
            let value = self.item.get(j)?;
            match value.and_then(&convert) {
                Some(v) => out.push(v),
                None => {
                    return Err(ParseFailure::new(
                        Some(self.column),
                        match value {
                            Some(v) => format!("invalid value: integer `{v}`, expected {expected}"),
                            None => format!("invalid type: null, expected {expected}"),
                        },
                    ));
                }
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{Int16Builder, ListBuilder, StringBuilder};
    use arrow_array::{Int64Array, NullArray};

    use super::*;

    #[test]
    fn views_accept_every_width_and_the_null_type() -> Result<(), TypeError> {
        let mut ints = ListBuilder::new(Int16Builder::new());
        ints.values().append_value(3);
        ints.values().append_value(-1);
        ints.append(true);
        ints.append(false);
        let ints: ArrayRef = Arc::new(ints.finish());
        let list = IntList::new(Some(&ints), "x")?;
        let u32s = list.get(0, |v| u32::try_from(v).ok(), "u32");
        assert!(matches!(u32s, Err(e) if e.reason.contains("`-1`")));
        assert_eq!(
            list.get(0, Some, "i64").ok().flatten(),
            Some(vec![3_i64, -1])
        );
        assert_eq!(list.get(1, Some, "i64").ok(), Some(None));

        let nulls: ArrayRef = Arc::new(NullArray::new(2));
        assert!(matches!(Strs::new(Some(&nulls), "s")?, Strs::Absent));
        assert!(Struct::new(Some(&nulls), "s")?.is_absent());
        assert_eq!(Ints::new(None, "i")?.get(0).ok(), Some(None));
        Ok(())
    }

    #[test]
    fn wrong_types_name_the_column() {
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        let err = Strs::new(Some(&numbers), "authorships.author.id").err();
        assert_eq!(
            err,
            Some(TypeError {
                column: "authorships.author.id",
                expected: "a string",
                found: "Int64".into()
            })
        );
        let mut strings = StringBuilder::new();
        strings.append_value("x");
        let strings: ArrayRef = Arc::new(strings.finish());
        assert!(Ints::new(Some(&strings), "year").is_err());
        assert!(List::new(Some(&strings), "concepts").is_err());
        assert!(Floats::new(Some(&strings), "score").is_err());
    }
}
