//! The systemIDs samla run gives: a leaf that the routing pass, the archive plan and
//! the writer all use.

/// The namespace of samla run's systemIDs (a fixed, random UUID).
pub const NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x3a, 0x8e, 0x51, 0x0c, 0x77, 0x2b, 0x4f, 0x19, 0xb4, 0x06, 0x5d, 0xe2, 0x90, 0x1c, 0x6f, 0xa7,
]);

/// The new systemID of a unit: UUIDv5 of (source, old systemID), stable across reruns.
///
/// ```
/// use samla_map::plan::new_system_id;
/// assert_eq!(new_system_id("ski", "a1"), new_system_id("ski", "a1"));
/// assert_ne!(new_system_id("ski", "a1"), new_system_id("oppegaard", "a1"));
/// ```
pub fn new_system_id(source: &str, old: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{source}\u{1f}{old}").as_bytes()).to_string()
}
