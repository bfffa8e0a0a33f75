//! Stable identifiers for converted units: UUIDv5 from (source, table, old key).
//!
//! A rerun of the same conversion gives the same systemIDs, so that crosswalks and
//! later merges stay valid. (UUIDv5 hashes with SHA-1, as RFC 9562 prescribes; it is an
//! identifier, not an integrity check.)

/// The namespace of samla's Noark 4 systemIDs (a fixed, random UUID).
pub const NAMESPACE: [u8; 16] =
    [0x6b, 0x1f, 0x3c, 0x52, 0x8e, 0x0a, 0x4d, 0x47, 0x9a, 0x61, 0x0c, 0x2d, 0x7e, 0x55, 0x91, 0x3b];

/// The UUIDv5 of `name` in `namespace`, as lower-case text.
///
/// ```
/// use samla_legacy::noark4::ids::uuid_v5;
/// // RFC 9562's DNS namespace and "www.example.com".
/// let dns = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8];
/// assert_eq!(uuid_v5(&dns, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
/// ```
pub fn uuid_v5(namespace: &[u8; 16], name: &str) -> String {
    uuid_v5_of(namespace, name.as_bytes())
}

fn uuid_v5_of(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut text = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v5(&uuid::Uuid::from_bytes(*namespace), name).hyphenated().encode_lower(&mut text).to_string()
}

/// The systemID of the row of `table` with key `key` from the source called `source`.
///
/// ```
/// use samla_legacy::noark4::ids::system_id;
/// assert_eq!(system_id("ski", "JOURNPOST", "12"), system_id("ski", "JOURNPOST", "12"));
/// assert_ne!(system_id("ski", "JOURNPOST", "12"), system_id("ski", "NOARKSAK", "12"));
/// ```
pub fn system_id(source: &str, table: &str, key: &str) -> String {
    // The name is source, table and key separated by U+001F (unit separator).
    let mut name = Vec::with_capacity(source.len() + table.len() + key.len() + 2);
    for (i, part) in [source, table, key].into_iter().enumerate() {
        if i > 0 {
            name.push(0x1f);
        }
        name.extend_from_slice(part.as_bytes());
    }
    uuid_v5_of(&NAMESPACE, &name)
}
