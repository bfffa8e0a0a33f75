//! The streaming reader: one unit at a time, with its context.
//!
//! A [`Split`] says which elements are *containers* (opened, their own fields read, then
//! streamed through: arkiv, arkivdel, klassifikasjonssystem, klasse) and which are *units*
//! (read whole, with everything under them: mappe, registrering). Memory holds one unit
//! and the headers of the open containers, whatever the number of units in the file.

use std::collections::VecDeque;
use std::io::Read;

use crate::element::{Element, Name};
use crate::error::{ErrorKind, Result};
use crate::xml::{Node, XmlReader};

pub use crate::split::Split;

/// What the streaming reader yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A container opened. The element holds its attributes and the fields that come
    /// before its first sub-container or unit (systemID, tittel, arkivskaper, …).
    Start(Element),
    /// A unit with everything under it.
    Unit(Element),
    /// A field of the current container that came after a sub-container or unit. Rare,
    /// and not schema-valid in Noark 5, but kept so that nothing is lost.
    Field(Element),
    /// The current container closed.
    End(Name),
}

struct Frame {
    header: Element,
    started: bool,
}

/// Streams a file as [`Event`]s. See the module docs.
///
/// ```
/// use samla_noark5::stream::{Event, Split, UnitReader};
///
/// let xml = r#"<arkiv><systemID>a</systemID>
///   <arkivdel><systemID>d</systemID><mappe><systemID>m1</systemID></mappe>
///   <mappe><systemID>m2</systemID></mappe></arkivdel></arkiv>"#;
/// let mut r = UnitReader::new(xml.as_bytes(), "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
/// let mut mapper = Vec::new();
/// while let Some(event) = r.next_event().unwrap() {
///     if let Event::Unit(m) = event {
///         // The arkivdel the mappe sits in is in the context.
///         assert_eq!(r.context().last().unwrap().value("systemID"), Some("d"));
///         mapper.push(m.value("systemID").unwrap().to_string());
///     }
/// }
/// assert_eq!(mapper, ["m1", "m2"]);
/// ```
pub struct UnitReader<R: Read> {
    xml: XmlReader<std::io::BufReader<R>>,
    /// Parsed units of the parallel path, in the order of their placeholders.
    units: Option<crate::parallel::UnitQueue>,
    split: Split,
    stack: Vec<Frame>,
    queue: VecDeque<Event>,
    done: bool,
    /// Set when iterating hit an error: the iterator then ends.
    failed: bool,
}

impl UnitReader<crate::parallel::Outside> {
    /// Streams `source` like [`new`](UnitReader::new), with the same events in the same
    /// order, but builds the units' trees on all cores: a scanner thread cuts the units
    /// out by their tags and rayon parses them. Memory stays bounded (a few batches of
    /// units in flight). Non-UTF-8 input is read sequentially.
    ///
    /// ```
    /// use samla_noark5::stream::{Event, Split, UnitReader};
    /// let xml = "<arkiv><systemID>a</systemID><arkivdel><systemID>d</systemID>\
    ///            <mappe><systemID>m</systemID></mappe></arkivdel></arkiv>";
    /// let mut r = UnitReader::parallel(xml.as_bytes(), "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
    /// let mut units = 0;
    /// while let Some(event) = r.next_event()? {
    ///     if let Event::Unit(m) = event {
    ///         assert_eq!(m.value("systemID"), Some("m"));
    ///         units += 1;
    ///     }
    /// }
    /// assert_eq!(units, 1);
    /// # Ok::<(), samla_noark5::Error>(())
    /// ```
    pub fn parallel<S: Read + Send + 'static>(source: S, file: impl Into<String>, split: Split) -> Self {
        let file = file.into();
        let (outside, units) = crate::parallel::start(source, file.clone(), split);
        UnitReader {
            xml: XmlReader::new(outside, file).with_placeholders(),
            units: Some(units),
            split,
            stack: Vec::new(),
            queue: VecDeque::new(),
            done: false,
            failed: false,
        }
    }
}

impl<R: Read> UnitReader<R> {
    /// Streams `source`, named `file` in errors, split by `split`.
    pub fn new(source: R, file: impl Into<String>, split: Split) -> Self {
        UnitReader {
            xml: XmlReader::new(source, file),
            units: None,
            split,
            stack: Vec::new(),
            queue: VecDeque::new(),
            done: false,
            failed: false,
        }
    }

    /// Headers of the open containers, outermost first.
    ///
    /// (See also [`UnitReader::parallel`], which yields the same events faster.)
    pub fn context(&self) -> impl DoubleEndedIterator<Item = &Element> + ExactSizeIterator {
        self.stack.iter().map(|f| &f.header)
    }

    /// Bytes read so far, for progress reporting.
    pub fn bytes_read(&self) -> u64 {
        match &self.units {
            Some(units) => units.bytes_read(),
            None => self.xml.bytes_read(),
        }
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        self.xml.file()
    }

    fn is(&self, list: &[&str], element: &Element) -> bool {
        list.contains(&element.local_name())
    }

    /// Emits the Start of the innermost container if it has not been emitted yet.
    fn start_current(&mut self) {
        if let Some(frame) = self.stack.last_mut()
            && !frame.started
        {
            frame.started = true;
            let mut header = frame.header.clone();
            if !header.children.is_empty() && header.text.trim().is_empty() {
                header.text.clear();
            }
            self.queue.push_back(Event::Start(header));
        }
    }

    /// The next event, or `None` at the end of the document.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        while self.queue.is_empty() && !self.done {
            self.step()?;
        }
        Ok(self.queue.pop_front())
    }

    fn step(&mut self) -> Result<()> {
        match self.xml.next_node()? {
            Node::Start { element, empty } => {
                if self.stack.is_empty() {
                    if !self.is(self.split.roots, &element) {
                        let expected = self.split.roots.join("> or <");
                        let message = format!("the root element is <{}>, expected <{expected}>", element.name);
                        return Err(self.xml.error(ErrorKind::Content, element.pos, message));
                    }
                    self.stack.push(Frame { header: element, started: false });
                    if empty {
                        self.close_container();
                    }
                } else if self.is(self.split.containers, &element) {
                    self.start_current();
                    self.stack.push(Frame { header: element, started: false });
                    if empty {
                        self.close_container();
                    }
                } else {
                    let mut element = element;
                    if !empty {
                        self.xml.read_body(&mut element)?;
                    }
                    if self.is(self.split.units, &element) {
                        self.start_current();
                        self.queue.push_back(Event::Unit(element));
                    } else {
                        let frame = self.stack.last_mut().expect("stack is not empty here");
                        if frame.started {
                            self.queue.push_back(Event::Field(element));
                        } else {
                            frame.header.children.push(element);
                        }
                    }
                }
            }
            Node::Text(text) => {
                if let Some(frame) = self.stack.last_mut()
                    && !text.trim().is_empty()
                {
                    frame.header.text.push_str(&text);
                }
            }
            Node::End => self.close_container(),
            Node::Eof => self.done = true,
            Node::Placeholder => {
                let unit = match &self.units {
                    Some(units) => units.take()?,
                    None => unreachable!("placeholders are reported only on the parallel path"),
                };
                self.start_current();
                self.queue.push_back(Event::Unit(unit));
            }
        }
        Ok(())
    }

    fn close_container(&mut self) {
        self.start_current();
        let frame = self.stack.pop().expect("an end tag always closes an open container");
        self.queue.push_back(Event::End(frame.header.name));
    }
}

/// The events one after another, for `for` loops and `collect`. An error ends the stream.
///
/// ```
/// use samla_noark5::stream::{Split, UnitReader};
/// let xml = "<arkiv><arkivdel><mappe/></arkivdel></arkiv>";
/// let events: Vec<_> = UnitReader::new(xml.as_bytes(), "a.xml", Split::ARKIVSTRUKTUR).collect::<Result<_, _>>()?;
/// assert_eq!(events.len(), 5);
/// # Ok::<(), samla_noark5::Error>(())
/// ```
impl<R: Read> Iterator for UnitReader<R> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        if self.failed {
            return None;
        }
        let next = self.next_event().transpose();
        self.failed = matches!(next, Some(Err(_)));
        next
    }
}
