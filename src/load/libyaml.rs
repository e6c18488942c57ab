//! A small safe wrapper around the event parser of `unsafe-libyaml`, the
//! Rust translation of libyaml that serde_yaml itself is built on.
//!
//! serde_yaml reads the values of front matter but does not say where they
//! were written. libyaml's event parser does: every event carries the mark
//! (byte index, line, column) where it starts and ends. serde_yaml consumes
//! exactly these events, in this order, from the same parser code, so the
//! marks line up with the values serde_yaml produces (see `positions`).
//!
//! Only this file contains `unsafe`; what each block relies on is written
//! beside it. The crate is pinned to the version serde_yaml uses (Cargo.toml),
//! so the two can never parse the same text differently.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use unsafe_libyaml as unsafe_sys;

/// A place in the parsed text, as libyaml counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    /// Byte offset into the input (libyaml adds each character's UTF-8 width).
    pub index: usize,
    /// 0-based line.
    pub line: usize,
    /// 0-based column, in characters (libyaml adds 1 per character, whatever
    /// its width): what an editor shows, also for Chinese text.
    pub column: usize,
}

impl Mark {
    fn from_sys(mark: unsafe_sys::yaml_mark_t) -> Mark {
        // size_t is u64 in unsafe-libyaml; the input is at most a few MiB.
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Mark {
            index: to_usize(mark.index),
            line: to_usize(mark.line),
            column: to_usize(mark.column),
        }
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` or `>`.
    Block,
}

/// What an event is. Anchors are copied out (they are rare and short); scalar
/// values are not: the caller has the text and the marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias {
        anchor: Box<[u8]>,
    },
    Scalar {
        anchor: Option<Box<[u8]>>,
        style: ScalarStyle,
    },
    SequenceStart {
        anchor: Option<Box<[u8]>>,
        flow: bool,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<Box<[u8]>>,
        flow: bool,
    },
    MappingEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub start: Mark,
    pub end: Mark,
}

/// A syntax error libyaml found (serde_yaml reports the same one in its words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    pub mark: Mark,
}

/// An event parser over borrowed text.
pub struct Parser<'input> {
    /// The parser state, on the heap and never moved: libyaml stores a pointer
    /// to the parser inside it (the string reader's data), so it must stay at
    /// one address. Held as a raw pointer from the leaked box (as serde_yaml
    /// does), so no `&mut` reborrow ever invalidates that inner pointer.
    sys: NonNull<unsafe_sys::yaml_parser_t>,
    /// Set after an error or the end of the stream: libyaml must not be asked again.
    done: bool,
    /// libyaml reads the input through a pointer; it must outlive the parser.
    input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input str) -> Parser<'input> {
        let boxed = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        let sys = NonNull::from(Box::leak(boxed)).cast::<unsafe_sys::yaml_parser_t>();
        let ptr = sys.as_ptr();
        // SAFETY: `ptr` is a valid, exclusively owned allocation of the right
        // size and alignment. `yaml_parser_initialize` zeroes it before use and
        // only fails when its allocator fails, and unsafe-libyaml's allocator
        // (Rust's global allocator) aborts the process instead of returning
        // null, so the parser is initialised when this returns.
        // `yaml_parser_set_input_string` stores the input pointer and length;
        // the input is borrowed for 'input, which outlives `self` (PhantomData).
        // The encoding is set to UTF-8 (a &str is UTF-8) before the first read,
        // as libyaml requires.
        let done = unsafe {
            let failed = unsafe_sys::yaml_parser_initialize(ptr).fail;
            if !failed {
                unsafe_sys::yaml_parser_set_encoding(ptr, unsafe_sys::YAML_UTF8_ENCODING);
                unsafe_sys::yaml_parser_set_input_string(ptr, input.as_ptr(), input.len() as u64);
            }
            failed
        };
        Parser {
            sys,
            done,
            input: PhantomData,
        }
    }

    /// The next event; None after the end of the stream. After an error,
    /// the error once, then None.
    pub fn next_event(&mut self) -> Option<Result<Event, SyntaxError>> {
        if self.done {
            return None;
        }
        let mut raw = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised (`done` is false) and its input
        // is alive. `yaml_parser_parse` writes a complete event into `raw`
        // when it succeeds; on failure it writes none and we read only the
        // parser's problem mark. A written event owns heap strings (anchor,
        // tag, value), which we copy what we need from and then free with
        // `yaml_event_delete`, exactly once. The union fields read are the
        // ones that belong to the event's type, as libyaml documents them.
        unsafe {
            let parser = self.sys.as_ptr();
            if unsafe_sys::yaml_parser_parse(parser, raw.as_mut_ptr()).fail {
                self.done = true;
                return Some(Err(SyntaxError {
                    mark: Mark::from_sys((&*parser).problem_mark),
                }));
            }
            let event = raw.as_mut_ptr();
            let kind = match (*event).type_ {
                unsafe_sys::YAML_STREAM_START_EVENT => EventKind::StreamStart,
                unsafe_sys::YAML_STREAM_END_EVENT => {
                    self.done = true;
                    EventKind::StreamEnd
                }
                unsafe_sys::YAML_DOCUMENT_START_EVENT => EventKind::DocumentStart,
                unsafe_sys::YAML_DOCUMENT_END_EVENT => EventKind::DocumentEnd,
                unsafe_sys::YAML_ALIAS_EVENT => EventKind::Alias {
                    anchor: copy_c_str((*event).data.alias.anchor).unwrap_or_default(),
                },
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let scalar = (*event).data.scalar;
                    EventKind::Scalar {
                        anchor: copy_c_str(scalar.anchor),
                        style: match scalar.style {
                            unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::SingleQuoted
                            }
                            unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => {
                                ScalarStyle::DoubleQuoted
                            }
                            unsafe_sys::YAML_LITERAL_SCALAR_STYLE
                            | unsafe_sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Block,
                            _ => ScalarStyle::Plain,
                        },
                    }
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    let start = (*event).data.sequence_start;
                    EventKind::SequenceStart {
                        anchor: copy_c_str(start.anchor),
                        flow: start.style == unsafe_sys::YAML_FLOW_SEQUENCE_STYLE,
                    }
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT => EventKind::SequenceEnd,
                unsafe_sys::YAML_MAPPING_START_EVENT => {
                    let start = (*event).data.mapping_start;
                    EventKind::MappingStart {
                        anchor: copy_c_str(start.anchor),
                        flow: start.style == unsafe_sys::YAML_FLOW_MAPPING_STYLE,
                    }
                }
                unsafe_sys::YAML_MAPPING_END_EVENT => EventKind::MappingEnd,
                // YAML_NO_EVENT: libyaml gives it only after the stream end,
                // which we never ask for.
                _ => {
                    self.done = true;
                    unsafe_sys::yaml_event_delete(event);
                    return None;
                }
            };
            let found = Event {
                kind,
                start: Mark::from_sys((*event).start_mark),
                end: Mark::from_sys((*event).end_mark),
            };
            unsafe_sys::yaml_event_delete(event);
            Some(Ok(found))
        }
    }
}

/// Copies a NUL-terminated string libyaml owns; None for a null pointer.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string alive for this call.
unsafe fn copy_c_str(ptr: *const u8) -> Option<Box<[u8]>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated, as the caller promises.
    let s = unsafe { CStr::from_ptr(ptr.cast()) };
    Some(Box::from(s.to_bytes()))
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a leaked `Box` in `new`, the parser
        // was initialised there (or zeroed by a failed initialise, which
        // `yaml_parser_delete` also accepts: it frees null buffers as no-ops),
        // and it is deleted and freed exactly once, here.
        unsafe {
            unsafe_sys::yaml_parser_delete(self.sys.as_ptr());
            drop(Box::from_raw(
                self.sys
                    .as_ptr()
                    .cast::<MaybeUninit<unsafe_sys::yaml_parser_t>>(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Result<Event, SyntaxError>> {
        let mut parser = Parser::new(text);
        std::iter::from_fn(|| parser.next_event()).collect()
    }

    #[test]
    fn marks_count_bytes_for_the_index_and_characters_for_the_column() {
        let found = events("标题: 惠东\n");
        let scalars: Vec<&Event> = found
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .filter(|e| matches!(e.kind, EventKind::Scalar { .. }))
            .collect();
        assert_eq!(scalars.len(), 2);
        let value = scalars[1];
        assert_eq!(value.start.line, 0);
        assert_eq!(value.start.column, 4);
        assert_eq!(value.start.index, "标题: ".len());
        assert_eq!(value.end.index, "标题: 惠东".len());
        assert_eq!(value.end.column, 6);
    }

    #[test]
    fn a_syntax_error_is_reported_once_with_its_place() {
        let found = events("a: [b\n");
        let last = found.last().cloned();
        assert!(matches!(last, Some(Err(_))), "{found:?}");
        assert_eq!(found.iter().filter(|e| e.is_err()).count(), 1);
    }

    #[test]
    fn anchors_and_styles_are_read() {
        let found = events("a: &x 'q'\nb: *x\nc: [1]\n");
        let kinds: Vec<EventKind> = found
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&EventKind::Scalar {
            anchor: Some(Box::from(&b"x"[..])),
            style: ScalarStyle::SingleQuoted
        }));
        assert!(kinds.contains(&EventKind::Alias {
            anchor: Box::from(&b"x"[..])
        }));
        assert!(kinds.contains(&EventKind::SequenceStart {
            anchor: None,
            flow: true
        }));
    }
}
