//! The element tree: one XML element with its attributes, text, children and position.
//!
//! Every element of an extract is read into an [`Element`], known or not, so nothing is
//! lost: virksomhetsspesifikkeMetadata and foreign elements come back out verbatim. The
//! typed view of Noark 5 sits on top, in [`crate::model`].

use std::sync::Arc;

use crate::pos::Pos;

/// An element or attribute name as written in the source, e.g. `mappe` or `vsmd:felt`.
///
/// Names are interned once for the whole process, so a million `<systemID>` share one
/// string, and copying a name (which the reader's threads do for every element) touches
/// no shared counter. Past a fixed number of distinct names, so that hostile input cannot
/// grow the table without end, further names are reference-counted instead.
///
/// ```
/// use samla_noark5::element::Name;
///
/// let name = Name::from("systemID");
/// assert_eq!(&*name, "systemID");
/// assert_eq!(name, Name::from(String::from("systemID")));
/// ```
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Interned(&'static str),
    Shared(Arc<str>),
}

/// At most this many distinct names, of at most `MAX_INTERNED_BYTES` in all, are interned.
const MAX_INTERNED: usize = 16_384;
const MAX_INTERNED_BYTES: usize = 1 << 20;

struct Interned {
    names: std::collections::HashSet<&'static str>,
    bytes: usize,
}

fn interned() -> &'static std::sync::RwLock<Interned> {
    static TABLE: std::sync::OnceLock<std::sync::RwLock<Interned>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::sync::RwLock::new(Interned { names: Default::default(), bytes: 0 }))
}

/// A direct-mapped cache of recent names, per thread, in front of the shared table:
/// Noark files use a few hundred names, so nearly every lookup hits here without a lock.
/// A collision simply replaces the slot.
struct Recent {
    slots: Vec<Name>,
}

const RECENT_BITS: u32 = 10;

thread_local! {
    static RECENT: std::cell::RefCell<Recent> =
        std::cell::RefCell::new(Recent { slots: vec![Name::default(); 1 << RECENT_BITS] });
}

/// A cheap hash of length, first, middle and last two bytes: enough to tell names apart.
fn slot(raw: &[u8]) -> usize {
    let n = raw.len();
    if n == 0 {
        return 0;
    }
    let h = (n as u32)
        ^ (u32::from(raw[0]) << 8)
        ^ (u32::from(raw[n / 2]) << 16)
        ^ (u32::from(raw[n - 1]) << 24)
        ^ (u32::from(raw[n.saturating_sub(2)]) << 4);
    (h.wrapping_mul(0x9E37_79B1) >> (32 - RECENT_BITS)) as usize
}

impl Name {
    /// The name whose UTF-8 bytes are `raw`, if this thread met it recently. Lets a
    /// reader skip decoding the names it sees over and over.
    pub(crate) fn recent(raw: &[u8]) -> Option<Name> {
        // try_with: a thread being torn down has no cache left, only the shared table.
        RECENT
            .try_with(|recent| {
                let recent = recent.borrow();
                let name = &recent.slots[slot(raw)];
                (name.as_bytes() == raw).then(|| name.clone())
            })
            .ok()
            .flatten()
    }

    /// The name `text`: from this thread's recent names, else from the shared table
    /// (interned there while it has room).
    fn intern(text: &str) -> Name {
        if let Some(name) = Name::recent(text.as_bytes()) {
            return name;
        }
        let name = Name::shared(text);
        let _ = RECENT.try_with(|recent| recent.borrow_mut().slots[slot(text.as_bytes())] = name.clone());
        name
    }

    fn shared(text: &str) -> Name {
        let table = interned();
        if let Some(&name) = table.read().unwrap_or_else(|e| e.into_inner()).names.get(text) {
            return Name(Repr::Interned(name));
        }
        let mut table = table.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&name) = table.names.get(text) {
            return Name(Repr::Interned(name));
        }
        if table.names.len() >= MAX_INTERNED || table.bytes + text.len() > MAX_INTERNED_BYTES {
            return Name(Repr::Shared(Arc::from(text)));
        }
        // Leaked on purpose: the table lives as long as the process, and is bounded.
        let name: &'static str = Box::leak(Box::from(text));
        table.names.insert(name);
        table.bytes += text.len();
        Name(Repr::Interned(name))
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Interned(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::intern(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name::intern(&text)
    }
}

impl Default for Name {
    fn default() -> Name {
        Name(Repr::Interned(""))
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        **self == **other
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// One XML element and everything under it.
///
/// ```
/// use samla_noark5::Element;
///
/// let mut mappe = Element::new("mappe");
/// mappe.push_field("systemID", "a1");
/// mappe.push_field("tittel", "Byggesak");
/// assert_eq!(mappe.value("tittel"), Some("Byggesak"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// The qualified name as written in the source.
    pub name: Name,
    /// Attributes in source order, values unescaped. Namespace declarations are kept here.
    pub attrs: Vec<(Name, String)>,
    /// Text content, unescaped. Whitespace between child elements is not kept.
    pub text: String,
    /// Child elements in source order.
    pub children: Vec<Element>,
    /// Where the start tag begins in the source (line 0 for elements made in memory).
    pub pos: Pos,
    /// The element's bytes in its file, start tag to end tag, where the reader knows them
    /// (units the parallel reader cut out, and what is inside them). Not part of equality:
    /// the same element read from two places is the same element.
    pub span: Option<Span>,
}

/// Where an element's bytes are in its file: `start` is its `<`, `end` is just past its
/// end tag's `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the start tag's `<`.
    pub start: u64,
    /// Offset just past the end tag.
    pub end: u64,
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.attrs == other.attrs
            && self.text == other.text
            && self.children == other.children
            && self.pos == other.pos
    }
}

impl Eq for Element {}

/// The part of a qualified name after the prefix: `n5:mappe` → `mappe`.
#[inline]
pub fn local_name(name: &str) -> &str {
    // Names are short: a plain loop beats a call to memrchr, and this is called per element.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

impl Element {
    /// A new element with no attributes, text or children.
    pub fn new(name: &str) -> Self {
        Element { name: Name::from(name), ..Default::default() }
    }

    /// A new element holding `text`.
    pub fn with_text(name: &str, text: impl Into<String>) -> Self {
        Element { name: Name::from(name), text: text.into(), ..Default::default() }
    }

    /// The name without namespace prefix.
    pub fn local_name(&self) -> &str {
        local_name(&self.name)
    }

    /// Appends a child element holding `value`.
    pub fn push_field(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.children.push(Element::with_text(name, value));
        self
    }

    /// Appends a child element.
    pub fn push(&mut self, child: Element) -> &mut Self {
        self.children.push(child);
        self
    }

    /// Sets an attribute, replacing an existing one of the same name.
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.attrs.iter_mut().find(|(n, _)| &**n == name) {
            Some((_, v)) => *v = value,
            None => self.attrs.push((Name::from(name), value)),
        }
        self
    }

    /// The value of attribute `name` (qualified name as written, e.g. `xsi:type`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| &**n == name).map(|(_, v)| v.as_str())
    }

    /// The value of the attribute whose local name is `local`, whatever its prefix.
    pub fn attr_local(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| local_name(n) == local && !n.starts_with("xmlns")).map(|(_, v)| v.as_str())
    }

    /// The first child with local name `local`.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(local))
    }

    /// Whether the local name is `local`, without finding the local name first: most
    /// names differ in length, and the lookups by name are the readers' hottest loop.
    pub fn is(&self, local: &str) -> bool {
        let (n, l) = (self.name.as_bytes(), local.as_bytes());
        if n.len() == l.len() {
            return n == l && !l.contains(&b':');
        }
        n.len() > l.len() && n.ends_with(l) && n[n.len() - l.len() - 1] == b':'
    }

    /// The first child with local name `local`, mutable.
    pub fn child_mut(&mut self, local: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.is(local))
    }

    /// All children with local name `local`.
    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(local))
    }

    /// The text of the first child named `local`.
    pub fn value(&self, local: &str) -> Option<&str> {
        self.child(local).map(|c| c.text.as_str())
    }

    /// True if the element holds no text (after trimming), no attributes and no children.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.attrs.is_empty() && self.children.is_empty()
    }

    /// This element and all its descendants, depth first, in document order.
    ///
    /// ```
    /// use samla_noark5::Element;
    /// let mut a = Element::new("a");
    /// a.push(Element::new("b"));
    /// let names: Vec<_> = a.descendants().map(|e| e.local_name().to_string()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self], skip_inside: None }
    }

    /// Like [`descendants`](Self::descendants), but business-specific metadata
    /// (`virksomhetsspesifikkeMetadata`) is yielded without what is inside it: its
    /// elements belong to other schemas, even where their names look like Noark's.
    pub fn noark_descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self], skip_inside: Some("virksomhetsspesifikkeMetadata") }
    }

    /// The first difference between two trees, compared as Noark data: same names, same
    /// attributes, same trimmed text, same children in the same order. `None` if equal.
    ///
    /// ```
    /// use samla_noark5::Element;
    /// let a = Element::with_text("tittel", "Sak ");
    /// let b = Element::with_text("tittel", "Sak");
    /// assert_eq!(a.semantic_diff(&b), None);
    /// assert!(a.semantic_diff(&Element::with_text("tittel", "Annen")).is_some());
    /// ```
    pub fn semantic_diff(&self, other: &Element) -> Option<String> {
        self.diff_at(other, &mut String::new())
    }

    fn diff_at(&self, other: &Element, path: &mut String) -> Option<String> {
        let len = path.len();
        path.push('/');
        path.push_str(&self.name);
        let here = |what: String| Some(format!("{path} (line {}): {what}", self.pos.line));
        if self.name != other.name {
            return here(format!("name {} vs {}", self.name, other.name));
        }
        if self.attrs != other.attrs {
            return here(format!("attributes {:?} vs {:?}", self.attrs, other.attrs));
        }
        if self.text.trim() != other.text.trim() {
            return here(format!("text {:?} vs {:?}", self.text.trim(), other.text.trim()));
        }
        if self.children.len() != other.children.len() {
            return here(format!("{} vs {} children", self.children.len(), other.children.len()));
        }
        for (a, b) in self.children.iter().zip(&other.children) {
            if let Some(d) = a.diff_at(b, path) {
                return Some(d);
            }
        }
        path.truncate(len);
        None
    }
}

/// Depth-first iterator over an element and its descendants. See [`Element::descendants`].
pub struct Descendants<'a> {
    stack: Vec<&'a Element>,
    skip_inside: Option<&'static str>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let next = self.stack.pop()?;
        if self.skip_inside != Some(next.local_name()) {
            self.stack.extend(next.children.iter().rev());
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn is_matches_the_local_name_with_or_without_a_prefix() {
        for (name, local, want) in [
            ("mappe", "mappe", true),
            ("n5:mappe", "mappe", true),
            ("a:b:mappe", "mappe", true),
            ("undermappe", "mappe", false),
            ("n5:undermappe", "mappe", false),
            ("mappe", "mapp", false),
            ("n5:mappe", "n5:mappe", false),
            ("mappeID", "mappe", false),
        ] {
            let e = Element::new(name);
            assert_eq!(e.is(local), want, "{name} is {local}");
            assert_eq!(e.local_name() == local, want, "{name} local name {local}");
        }
    }

    use super::*;

    /// Hostile input with endless distinct names cannot grow the interned table past its
    /// bound; the names past it still compare, hash and print as their text.
    #[test]
    fn interning_is_bounded() {
        let names: Vec<Name> = (0..MAX_INTERNED + 100).map(|i| Name::from(format!("n{i}"))).collect();
        assert!(interned().read().unwrap().names.len() <= MAX_INTERNED);
        assert!(names.iter().any(|n| matches!(n.0, Repr::Shared(_))));
        let last = MAX_INTERNED + 99;
        assert_eq!(names[last], Name::from(format!("n{last}").as_str()));
        assert_eq!(names[last].to_string(), format!("n{last}"));
        assert!(matches!(Name::from("n0").0, Repr::Interned(_)));
    }
}
