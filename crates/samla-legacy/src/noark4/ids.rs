//! Stable identifiers for converted units: UUIDv5 from (source, table, old key).
//!
//! A rerun of the same conversion gives the same systemIDs, so that crosswalks and
//! later merges stay valid. SHA-1 is used only as RFC 9562 prescribes for version 5
//! UUIDs, not for integrity.

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
    let mut data = namespace.to_vec();
    data.extend_from_slice(name.as_bytes());
    let hash = sha1(&data);
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = samla_noark5::hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The systemID of the row of `table` with key `key` from the source called `source`.
///
/// ```
/// use samla_legacy::noark4::ids::system_id;
/// assert_eq!(system_id("ski", "JOURNPOST", "12"), system_id("ski", "JOURNPOST", "12"));
/// assert_ne!(system_id("ski", "JOURNPOST", "12"), system_id("ski", "NOARKSAK", "12"));
/// ```
pub fn system_id(source: &str, table: &str, key: &str) -> String {
    uuid_v5(&NAMESPACE, &format!("{source}\u{1f}{table}\u{1f}{key}"))
}

/// SHA-1 (FIPS 180-4), for UUIDv5 only.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_answers() {
        assert_eq!(samla_noark5::hex(&sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(samla_noark5::hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        let long = vec![b'a'; 1000];
        assert_eq!(samla_noark5::hex(&sha1(&long)), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
    }
}
